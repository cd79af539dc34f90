// The customer scripts of examples/ (as written today): each is read as the right type, and the
// ones that need nothing beyond the engine run unchanged. (Modules and ctx come with their issues.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/index.js';
import { analyze, guessType } from '../../src/runtime/index.js';
import { example, exec, routingSample, startEngine } from '../helpers.js';

let engine: Engine;
beforeAll(async () => {
  engine = await startEngine();
});
afterAll(() => engine.close());

describe('type guessing on real customer code', () => {
  it.each([
    ['c4-strip-prefix.js', 'script'],
    ['c4-add-headers.js', 'script'],
    ['c4-dnc-userspace.js', 'app'],
    ['c4-fraud-velocity.js', 'app'],
    ['c4-business-hours.js', 'app'],
    ['c5-menu.js', 'app'],
    ['c5-pin.js', 'app'],
    ['did-driver.js', 'driver'],
    ['form-contact.js', 'app'],
  ])('%s is a %s', (file, type) => {
    expect(guessType(analyze(example(file)))).toBe(type);
  });
});

describe('Class 4 scripts run unchanged', () => {
  it('c4-strip-prefix: strips the 9 and presents the main number on every route', async () => {
    const data = routingSample();
    data.routing.dest_number = '9447700900123';
    const r = await exec(engine, example('c4-strip-prefix.js'), { data: { ...data, main_number: '442079460000' } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const routing = (r.result as { routing: { dest_number: string; cli: string; egress_routing: { gw: Record<string, { cli: string }> }[] } }).routing;
    expect(routing.dest_number).toBe('447700900123');
    expect(routing.cli).toBe('442079460000');
    const clis = routing.egress_routing.flatMap((route) => Object.values(route.gw).map((g) => g.cli));
    expect(clis).toEqual(['442079460000', '442079460000', '442079460000']);
  });

  it('c4-add-headers: tags every route and drops the internal header', async () => {
    const r = await exec(engine, example('c4-add-headers.js'), { data: routingSample() });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const routes = (r.result as { routing: { egress_routing: { headers: unknown[]; remove_headers: unknown[] }[] } }).routing.egress_routing;
    for (const route of routes) {
      expect(route.headers).toContainEqual({ key: 'X-Customer-ID', value: '1042' });
      expect(route.remove_headers).toContainEqual({ key: 'X-Internal' });
    }
    expect(routes[0].headers.filter((h) => (h as { key: string }).key === 'X-Customer-ID')).toHaveLength(1);
  });
});
