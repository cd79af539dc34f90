// The rules a routing script's output must keep (PRODUCT.md §6.1), one failing case each, and the diff.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diff, mergeVars, validateOutput } from '../../src/routing/index.js';

const SAMPLE = JSON.parse(fs.readFileSync(new URL('../../examples/routing-sample.json', import.meta.url), 'utf8')) as Record<string, any>;
const copy = () => structuredClone(SAMPLE);
/** The sample with one change made by `f`, validated against the sample. */
const check = (f: (d: any) => unknown) => {
  const d = copy();
  const out = f(d);
  return validateOutput(SAMPLE, out === undefined ? d : out);
};

describe('validateOutput', () => {
  it('accepts the input itself and ordinary changes (CLI, routes reordered, removed, added, headers)', () => {
    expect(check(() => undefined)).toBeNull();
    expect(check((d) => {
      d.routing.cli = '441632960999';
      d.routing.egress_routing.reverse();
      d.routing.egress_routing.push({ carrier: 'Carrier C', rate: 0.01, gw: { 500: { cli: 'x', ip: '192.0.2.1', port: 5060 } } });
      d.routing.egress_routing[0].headers.push({ key: 'X-Fraud-Score', value: '12' });
      d.routing.remove_headers.push({ key: 'X-Internal' });
      d.routing.tech_prefix = '99#';
      d.extra = { anything: [1, 'two'] };
    })).toBeNull();
    expect(check((d) => { d.routing.egress_routing = []; })).toBeNull(); // no route left: the switch has nothing to try
  });

  it.each([
    ['not an object', () => 'done', "the result: must be the call's data (an object with 'routing'), not a string"],
    ['routing removed', (d: any) => { delete d.routing; }, 'routing: must be an object, not an undefined'],
    ['a required field removed', (d: any) => { delete d.routing.dest_number; }, 'routing.dest_number: is required and was removed'],
    ['a field changes type', (d: any) => { d.routing.cli = 441632960001; }, 'routing.cli: was a string, is now a number'],
    ['a nested field changes type', (d: any) => { d.routing.ingress.port = '5060'; }, 'routing.ingress.port: was a number, is now a string'],
    ['the route list is not a list', (d: any) => { d.routing.egress_routing = { 0: {} }; }, 'routing.egress_routing: must be a list of routes, not an object'],
    ['a route is not an object', (d: any) => { d.routing.egress_routing[1] = '412'; }, 'routing.egress_routing[1]: must be a route object, not a string'],
    ['a route field changes type', (d: any) => { d.routing.egress_routing[0].rate = '0.0042'; }, 'routing.egress_routing[0].rate: was a number, is now a string'],
    ['a route without gateways', (d: any) => { delete d.routing.egress_routing[0].gw; }, 'routing.egress_routing[0].gw: every route needs its gateways, { <gateway id>: { cli, ip, port } }, not an undefined'],
    ['a route with no gateway', (d: any) => { d.routing.egress_routing[0].gw = {}; }, 'routing.egress_routing[0].gw: a route needs at least one gateway'],
    ['a gateway that is not an object', (d: any) => { d.routing.egress_routing[1].gw['412'] = '198.51.100.20'; }, 'routing.egress_routing[1].gw.412: must be a gateway object, not a string'],
    ['a gateway CLI that is not a string', (d: any) => { d.routing.egress_routing[1].gw['413'].cli = 4416; }, 'routing.egress_routing[1].gw.413.cli: must be a string, not a number'],
    ['a gateway port out of range', (d: any) => { d.routing.egress_routing[0].gw['301'].port = 70000; }, 'routing.egress_routing[0].gw.301.port: must be a port number (1-65535), not 70000'],
    ['a header without a value', (d: any) => { d.routing.headers.push({ key: 'X-A' }); }, 'routing.headers[1].value: must be a string, not an undefined'],
    ['a header name that could break the message', (d: any) => { d.routing.egress_routing[0].headers.push({ key: 'X-A\r\nVia', value: '1' }); }, 'routing.egress_routing[0].headers[1].key: must be a header name (letters, digits, \'-\'...), not "X-A\\r\\nVia"'],
    ['a header value with a line break', (d: any) => { d.routing.headers[0].value = 'a\r\nContact: <sip:evil>'; }, 'routing.headers[0].value: may not contain line breaks or be longer than 1024 characters'],
    ['remove_headers that are not {key}', (d: any) => { d.routing.egress_routing[1].remove_headers = ['X-Internal']; }, 'routing.egress_routing[1].remove_headers[0]: must be {key}, not a string'],
  ])('refuses %s', (_what, f, message) => {
    expect(check(f)).toBe(message);
  });
});

describe('diff', () => {
  it('lists what changed, with readable paths; added fields have no from, removed ones no to', () => {
    const after = copy();
    after.routing.cli = '441632960999';
    after.routing.egress_routing[1].gw['412'].cli = '441632960999';
    after.routing.headers.push({ key: 'X-New', value: '1' });
    delete after.routing.tech_prefix;
    after.note = 'checked';
    expect(diff(SAMPLE, after)).toEqual([
      { path: 'routing.cli', from: '441632960001', to: '441632960999' },
      { path: 'routing.tech_prefix', from: '' },
      { path: 'routing.headers[1]', to: { key: 'X-New', value: '1' } },
      { path: 'routing.egress_routing[1].gw.412.cli', from: '441632960001', to: '441632960999' },
      { path: 'note', to: 'checked' },
    ]);
    expect(diff(SAMPLE, copy())).toEqual([]);
  });
});

describe('vars', () => {
  it('merges TOML variables into the data, and names the line of bad TOML', () => {
    const merged = mergeVars({ routing: { cli: '1' }, schedule: { tz: 'UTC' } }, '[schedule]\nweek = "9-21"\n\n[cli.range]\nfrom = 100\nto = 199\n');
    expect(merged).toEqual({ routing: { cli: '1' }, schedule: { tz: 'UTC', week: '9-21' }, cli: { range: { from: 100, to: 199 } } });
    expect(() => mergeVars({ routing: {} }, '[schedule]\nweek = \n')).toThrow('vars is not valid TOML: line 2, column 8: invalid value');
    expect(() => mergeVars({ routing: {} }, '[routing]\ncli = "x"')).toThrow("vars may not set 'routing'");
    expect(() => mergeVars({ routing: {} }, 42)).toThrow('vars must be a TOML string or an object');
  });
});
