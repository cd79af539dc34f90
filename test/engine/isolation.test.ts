// Global state between invocations (PRODUCT.md §4): fresh by default, warm reuse on request, and
// never across versions or accounts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/index.js';
import { exec, startEngine } from '../helpers.js';

let engine: Engine;
beforeAll(async () => {
  engine = await startEngine();
});
afterAll(() => engine.close());

const twice = async (code: string, o = {}) => [await exec(engine, code, o), await exec(engine, code, o)].map((r) => (r.ok ? r.result : r.error.message));

describe('fresh isolation (the default)', () => {
  it('re-runs the top level: module state starts over', async () => {
    expect(await twice('let n = 0;\nfunction main() { return ++n }')).toEqual([1, 1]);
  });

  it('removes globals a previous run created, implicit ones included', async () => {
    const code = 'function main() { const seen = [typeof globalThis.flag, typeof counter]; globalThis.flag = 1; counter = 1; return seen }';
    expect(await twice(code)).toEqual([['undefined', 'undefined'], ['undefined', 'undefined']]);
  });

  it('puts back built-ins a previous run changed', async () => {
    const code = 'function main() { const seen = [typeof Array.prototype.leak, JSON.stringify({a: 1})]; Array.prototype.leak = 1; JSON.stringify = () => "hacked"; return seen }';
    expect(await twice(code)).toEqual([['undefined', '{"a":1}'], ['undefined', '{"a":1}']]);
  });

  it('undoes what late promise callbacks of a previous run did', async () => {
    const code = 'function main() { const seen = typeof globalThis.late; Promise.resolve().then(() => { globalThis.late = 1 }); return seen }';
    expect(await twice(code)).toEqual(['undefined', 'undefined']);
  });

  it('does not carry the last RegExp match over', async () => {
    const code = 'function main(d) { const seen = RegExp.$1; new RegExp("(" + d.secret + ")").exec(d.secret); return seen }';
    expect(await twice(code, { data: { secret: 'pin1234' } })).toEqual(['', '']);
  });

  it('keeps tenants apart even when they run the same code', async () => {
    const code = 'function main(d) { const seen = globalThis.owner; globalThis.owner = d.me; return seen ?? null }';
    const a = await exec(engine, code, { tenant: 'acct-a', isolation: 'reuse', data: { me: 'a' } });
    const b = await exec(engine, code, { tenant: 'acct-b', isolation: 'reuse', data: { me: 'b' } });
    expect([a.ok && a.result, b.ok && b.result]).toEqual([null, null]);
  });
});

describe('reuse isolation', () => {
  it('keeps a warm context per script version', async () => {
    const code = 'let n = 0;\nfunction main() { globalThis.calls = (globalThis.calls || 0) + 1; return [++n, calls] }';
    const r = await twice(code, { isolation: 'reuse', tenant: 'warm' });
    expect(r).toEqual([[1, 1], [2, 2]]);
  });

  it('never shares state across versions of a script', async () => {
    const v1 = 'function main() { globalThis.v = (globalThis.v || 0) + 1; return v } // v1';
    const v2 = 'function main() { globalThis.v = (globalThis.v || 0) + 1; return v } // v2';
    const o = { isolation: 'reuse' as const, tenant: 'versions' };
    await exec(engine, v1, o);
    await exec(engine, v1, o);
    const r = await exec(engine, v2, o);
    expect(r).toMatchObject({ ok: true, result: 1 });
  });

  it('never shares state with fresh runs of the same code', async () => {
    const code = 'function main() { globalThis.v = (globalThis.v || 0) + 1; return v }';
    await exec(engine, code, { isolation: 'reuse', tenant: 'mixed' });
    await exec(engine, code, { isolation: 'reuse', tenant: 'mixed' });
    expect(await exec(engine, code, { tenant: 'mixed' })).toMatchObject({ ok: true, result: 1 });
  });
});
