// POST /api/v1/routing through a real server: the answer a softswitch gets, chains, validation,
// time boxes, and the customer examples unchanged.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../server-helpers.js';

const EX = new URL('../../examples/', import.meta.url);
const SAMPLE = JSON.parse(fs.readFileSync(new URL('routing-sample.json', EX), 'utf8')) as Record<string, any>;
const example = (f: string) => fs.readFileSync(new URL(f, EX), 'utf8');

let t: TestServer;
let acct: { id: string; key: string };

beforeAll(async () => {
  t = await startTestServer({ workers: 2 });
  acct = await t.account('carrier-co');
});
afterAll(async () => {
  await t.close();
});

async function save(code: string, more: Record<string, unknown> = {}, key = acct.key): Promise<string> {
  const r = await t.call('POST', '/api/v1/scripts', key, { name: 'routing', type: 'script', code, ...more });
  expect(r.status, r.text).toBe(201);
  return r.body.id as string;
}
const route = (id: string | null, body: unknown, key = acct.key) => t.call('POST', id ? `/api/v1/routing/${id}` : '/api/v1/routing', key, body);
const chain = (body: unknown, key = acct.key) => t.call('PUT', '/api/v1/routing/config', key, body);

describe('POST /api/v1/routing/{scriptId}', () => {
  it('answers continue with the new routing and a diff (examples/c4-strip-prefix.js, unchanged)', async () => {
    const id = await save(example('c4-strip-prefix.js'));
    const call = structuredClone(SAMPLE);
    call.routing.dest_number = '9447700900123';
    const r = await route(id, { ...call, main_number: '441632960999' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ action: 'continue', trace: [{ scriptId: id, outcome: 'ok', executionId: expect.any(String) }] });
    expect(r.body.data.routing.cli).toBe('441632960999');
    expect(r.body.diff).toEqual([
      { path: 'routing.cli', from: '441632960001', to: '441632960999' },
      { path: 'routing.dest_number', from: '9447700900123', to: '447700900123' },
      { path: 'routing.egress_routing[0].gw.301.cli', from: '441632960001', to: '441632960999' },
      { path: 'routing.egress_routing[1].gw.412.cli', from: '441632960001', to: '441632960999' },
      { path: 'routing.egress_routing[1].gw.413.cli', from: '441632960001', to: '441632960999' },
    ]);
    const exe = await t.call('GET', `/api/v1/executions/${r.body.trace[0].executionId}`, acct.key);
    expect(exe.body).toMatchObject({ trigger: 'routing', ok: true });
  });

  it('answers reject with the SIP code and reason (examples/c4-dnc-userspace.js, unchanged)', async () => {
    const id = await save(example('c4-dnc-userspace.js'), { type: 'app' });
    const add = await save(`const u = require('cxUserspace'); async function main(d) { await u.create('dnc', d.n, { added: 'test' }); return true }`, { type: 'app' });
    await t.call('POST', `/api/v1/scripts/${add}/run`, acct.key, { n: SAMPLE.routing.dest_number });
    expect((await route(id, SAMPLE)).body).toMatchObject({ action: 'reject', sipCode: 604, reason: 'Number on DNC List' });
    const other = structuredClone(SAMPLE);
    other.routing.dest_number = '447700900999';
    expect((await route(id, other)).body).toMatchObject({ action: 'continue', diff: [] });
  });

  it('merges TOML vars into data (examples/c4-business-hours.js, unchanged), and names the line of bad TOML', async () => {
    const id = await save(example('c4-business-hours.js'), { type: 'app' });
    const open = await route(id, { ...SAMPLE, vars: '[hours]\ntz = "UTC"\nopen = 0\nclose = 24\n' });
    expect(open.body).toMatchObject({ action: 'continue', data: { hours: { tz: 'UTC', open: 0, close: 24 } }, diff: [] });
    const closed = await route(id, { ...SAMPLE, vars: { hours: { tz: 'UTC', open: 0, close: 0 } } });
    expect(closed.body).toMatchObject({ action: 'reject', sipCode: 480 });
    const bad = await route(id, { ...SAMPLE, vars: '[hours]\ntz = UTC\n' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'INVALID_REQUEST', field: 'body.vars', message: expect.stringMatching(/^vars is not valid TOML: line 2, column \d+/) });
  });

  it('passes on data changed in place when main returns nothing, with a warning', async () => {
    const id = await save('function main(data) { data.routing.cli = "4400"; data.routing.egress_routing.forEach(r => Object.values(r.gw).forEach(g => { g.cli = "4400" })) }');
    const r = await route(id, SAMPLE);
    expect(r.body).toMatchObject({ action: 'continue', data: { routing: { cli: '4400' } } });
    expect(r.body.diff).toHaveLength(4);
    const exe = await t.call('GET', `/api/v1/executions/${r.body.trace[0].executionId}`, acct.key);
    expect(exe.body.logs).toEqual([expect.objectContaining({ level: 'warn', message: expect.stringContaining('main() returned nothing: the data as the script left it is passed on') })]);
  });

  it('never passes on an invalid output: it is the script\'s error, with the path in its log', async () => {
    const id = await save('function main(data) { data.routing.egress_routing[0].gw = "198.51.100.10"; return data }', { routing: { onError: '500 Bad Routing' } });
    const r = await route(id, SAMPLE);
    expect(r.body).toMatchObject({
      action: 'reject', sipCode: 500, reason: 'Bad Routing',
      trace: [{ outcome: 'error', error: expect.stringContaining('routing.egress_routing[0].gw: every route needs its gateways') }],
    });
    const exe = await t.call('GET', `/api/v1/executions/${r.body.trace[0].executionId}`, acct.key);
    expect(exe.body).toMatchObject({ ok: false, error: { code: 'ROUTING_OUTPUT_INVALID' } });
    expect(exe.body.logs.at(-1)).toMatchObject({ level: 'error', message: expect.stringContaining('routing.egress_routing[0].gw') });
    // onError 'continue': the call goes on with its input unchanged.
    const lenient = await save('function main(data) { data.routing.cli = 42; return data }', { routing: { onError: 'continue' } });
    expect((await route(lenient, SAMPLE)).body).toMatchObject({ action: 'continue', data: { routing: { cli: '441632960001' } }, diff: [] });
  });

  it('keeps the reason to one line: a script cannot add SIP headers through it', async () => {
    const id = await save("function main(d) { throw new Error('604 Bad\\r\\nX-Injected: 1') }");
    expect((await route(id, SAMPLE)).body).toMatchObject({ action: 'reject', sipCode: 604, reason: 'Bad' });
  });

  it('applies the default error action to a thrown error', async () => {
    const id = await save('function main(data) { return data.routing.nothing.here }');
    expect((await route(id, SAMPLE)).body).toMatchObject({ action: 'reject', sipCode: 503, reason: 'Routing Script Failure', trace: [{ outcome: 'error', error: expect.stringContaining('TypeError') }] });
  });

  it('says what is wrong with the request', async () => {
    const id = await save('function main(d) { return d }');
    expect((await route(id, { cli: '1' })).body.error).toMatchObject({ field: 'body.routing', message: expect.stringContaining('body.routing is required') });
    expect((await route(id, [SAMPLE])).status).toBe(400);
    expect((await route(id, '{"routing": {')).body.error).toMatchObject({ code: 'INVALID_JSON', message: expect.stringContaining('The body is not valid JSON') });
    expect((await route('scr_nope', SAMPLE)).status).toBe(404);
    const other = await t.account('someone-else');
    expect((await route(id, SAMPLE, other.key)).status).toBe(404);
  });
});

describe('the time box', () => {
  it('answers a script that never ends with its SIP-code action, within timeoutMs plus a margin', async () => {
    const id = await save('function main(d) { while (true) {} }', { routing: { timeoutMs: 300, onTimeout: '480 Routing Timeout' } });
    const t0 = Date.now();
    const r = await route(id, SAMPLE);
    const ms = Date.now() - t0;
    expect(r.body).toMatchObject({ action: 'reject', sipCode: 480, reason: 'Routing Timeout', trace: [{ outcome: 'timeout' }] });
    expect(ms).toBeLessThan(300 + 400); // the margin is 30 ms; the rest is slack for a loaded CI machine
    // The worker was killed and replaced: the next call is served normally.
    const ok = await save('function main(d) { return d }');
    expect((await route(ok, SAMPLE)).body).toMatchObject({ action: 'continue' });
  });

  it("passes the input on unchanged when the action is 'continue', also for an app waiting on I/O", async () => {
    const id = await save('async function main(d) { d.routing.cli = "changed"; await new Promise(r => setTimeout(r, 5000)); return d }', { type: 'app', routing: { timeoutMs: 200, onTimeout: 'continue' } });
    const r = await route(id, SAMPLE);
    expect(r.body).toMatchObject({ action: 'continue', data: { routing: { cli: '441632960001' } }, diff: [], trace: [{ outcome: 'timeout' }] });
    // The execution is stopped then, not left waiting for its timer: it is recorded as timed out.
    let runs: { ok: boolean; error: { name: string; message: string } }[] = [];
    for (let i = 0; i < 40 && runs.length === 0; i++) {
      await new Promise((res) => setTimeout(res, 25));
      runs = (await t.call('GET', `/api/v1/executions?scriptId=${id}`, acct.key)).body;
    }
    expect(runs[0]).toMatchObject({ ok: false, error: { name: 'TimeoutError', message: expect.stringMatching(/200 ms/) } });
  });
});

describe('chains', () => {
  it('runs first, the script, then last, each on the previous output; a reject stops the chain', async () => {
    const a = await t.account('chained');
    const tag = (name: string) => `function main(d) { d.seen = (d.seen || []).concat('${name}'); return d }`;
    const first1 = await save(tag('first-1'), {}, a.key);
    const first2 = await save(tag('first-2'), {}, a.key);
    const last = await save(tag('last'), {}, a.key);
    const mine = await save(tag('mine'), {}, a.key);
    const set = await chain({ runFirst: [first1, first2], runLast: [last] }, a.key);
    expect(set.status, set.text).toBe(200);
    expect((await t.call('GET', '/api/v1/routing/config', a.key)).body).toEqual({ runFirst: [first1, first2], runLast: [last] });

    const full = await route(mine, SAMPLE, a.key);
    expect(full.body.data.seen).toEqual(['first-1', 'first-2', 'mine', 'last']);
    expect(full.body.trace.map((s: { scriptId: string }) => s.scriptId)).toEqual([first1, first2, mine, last]);
    expect(full.body.diff).toEqual([{ path: 'seen', to: ['first-1', 'first-2', 'mine', 'last'] }]);
    expect((await route(null, SAMPLE, a.key)).body.data.seen).toEqual(['first-1', 'first-2', 'last']);

    const blocker = await save("function main(d) { if (d.seen.length === 2) throw new Error('603 Declined By Policy'); return d }", {}, a.key);
    const stopped = await route(blocker, SAMPLE, a.key);
    expect(stopped.body).toMatchObject({ action: 'reject', sipCode: 603, reason: 'Declined By Policy' });
    expect(stopped.body.trace.map((s: { outcome: string }) => s.outcome)).toEqual(['ok', 'ok', 'reject']);
  });

  it('refuses a chain naming scripts the account does not have', async () => {
    const other = await t.account('other-chain');
    const theirs = await save('function main(d) { return d }', {}, other.key);
    const r = await chain({ runFirst: [theirs] });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ field: 'body.runFirst[0]', message: `body.runFirst[0]: no script with id '${theirs}' in this account` });
    expect((await chain({ runLast: ['a', 'a'] })).status).toBe(400);
  });
});
