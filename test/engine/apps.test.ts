// Apps and drivers: async main, timers, host operations (the module mechanism), live logs, limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine, HostHandler, LogEntry } from '../../src/engine/index.js';
import { exec, startEngine, stillServes } from '../helpers.js';

const modules = {
  store: { source: "exports.get = (k) => host('get', [k]); exports.fail = () => host('fail', []);" },
};
const host: HostHandler = async (module, method, args) => {
  if (method === 'fail') throw Object.assign(new Error('store is down'), { name: 'StoreError' });
  await new Promise((r) => setTimeout(r, 5));
  return { module, method, key: args[0] };
};

let engine: Engine;
beforeAll(async () => {
  engine = await startEngine({ modules });
});
afterAll(() => engine.close());

describe('async execution', () => {
  it('awaits host operations of a module', async () => {
    const r = await exec(engine, "const s = require('store');\nasync function main(d) { return await s.get(d.k) }", { type: 'app', data: { k: 'pin_1' }, host });
    expect(r).toMatchObject({ ok: true, result: { module: 'store', method: 'get', key: 'pin_1' } });
  });

  it('runs host operations concurrently and in order of completion', async () => {
    const code = "const s = require('store');\nasync function main() { const all = await Promise.all([s.get('a'), s.get('b'), s.get('c')]); return all.map((x) => x.key) }";
    expect(await exec(engine, code, { type: 'app', host })).toMatchObject({ ok: true, result: ['a', 'b', 'c'] });
  });

  it('rejects in the script when a host operation fails, and the script can catch it', async () => {
    const code = "const s = require('store');\nasync function main() { try { await s.fail() } catch (e) { return e.name + ': ' + e.message } }";
    expect(await exec(engine, code, { type: 'app', host })).toMatchObject({ ok: true, result: 'StoreError: store is down' });
  });

  it('says clearly when no host is there for a module', async () => {
    const r = await exec(engine, "const s = require('store');\nasync function main() { return s.get('x') }", { type: 'app' });
    expect(r.ok || r.error.message).toBe('store.get() is not available here');
  });

  it('fires timers in order, intervals until cleared', async () => {
    const code = `async function main() {
      const seen = [];
      setTimeout(() => seen.push('b'), 20);
      setTimeout(() => seen.push('a'), 5);
      let n = 0;
      const id = setInterval(() => { seen.push('i' + (++n)); if (n === 3) clearInterval(id) }, 2);
      await new Promise((r) => setTimeout(r, 40));
      return seen.filter((x) => x[0] !== 'i').concat(seen.filter((x) => x[0] === 'i'));
    }`;
    expect(await exec(engine, code, { type: 'app' })).toMatchObject({ ok: true, result: ['a', 'b', 'i1', 'i2', 'i3'] });
  });

  it('fails an execution whose promise can never settle, at once', async () => {
    const started = Date.now();
    const r = await exec(engine, 'function main() { return new Promise(() => {}) }', { type: 'app' });
    expect(r).toMatchObject({ ok: false, error: { name: 'NeverSettlesError', code: 'NEVER_SETTLES' } });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('fails on an exception thrown in a timer callback', async () => {
    const r = await exec(engine, "async function main() { setTimeout(() => { throw new Error('late') }, 1); await new Promise((r) => setTimeout(r, 30)) }", { type: 'app' });
    expect(r).toMatchObject({ ok: false, error: { message: 'late' } });
  });

  it('streams logs as they happen, before the result', async () => {
    const seen: { entry: LogEntry; at: number }[] = [];
    const code = "async function main() { console.log('first'); await new Promise((r) => setTimeout(r, 300)); console.log('second'); return 1 }";
    const started = Date.now();
    const r = await exec(engine, code, { type: 'app', onLog: (entry) => seen.push({ entry, at: Date.now() - started }) });
    const finished = Date.now() - started;
    expect(r.ok).toBe(true);
    expect(seen.map((s) => s.entry.message)).toEqual(['first', 'second']);
    expect(seen[0].at).toBeLessThan(finished - 200);
    expect(r.logs.map((l) => l.message)).toEqual(['first', 'second']);
  });
});

describe('limits', () => {
  it('stops a script over its CPU time with a TimeoutError', async () => {
    const r = await exec(engine, 'function main() { while (true) {} }', { limits: { cpuMs: 200 } });
    expect(r).toMatchObject({ ok: false, error: { name: 'TimeoutError', code: 'TIMEOUT', message: expect.stringMatching(/^CPU time limit of 200 ms exceeded/) } });
    expect(await stillServes(engine)).toBe(true);
  });

  it('counts CPU time across the turns of an app', async () => {
    const code = 'async function main() { for (let i = 0; i < 100; i++) { const end = Date.now() + 10; while (Date.now() < end) {} await new Promise((r) => setTimeout(r, 1)) } }';
    const r = await exec(engine, code, { type: 'app', limits: { cpuMs: 150 } });
    expect(r).toMatchObject({ ok: false, error: { code: 'TIMEOUT', message: expect.stringMatching(/^CPU time limit of 150 ms exceeded/) } });
  });

  it('stops an app over its wall time, awaiting included', async () => {
    const r = await exec(engine, 'async function main() { await new Promise((r) => setTimeout(r, 60000)) }', { type: 'app', limits: { wallMs: 300 } });
    expect(r).toMatchObject({ ok: false, error: { name: 'TimeoutError', message: 'Wall time limit of 300 ms exceeded' } });
    expect(await stillServes(engine)).toBe(true);
  });

  it('refuses more pending timers than the limit', async () => {
    const r = await exec(engine, 'async function main() { for (let i = 0; i < 20; i++) setTimeout(() => {}, 1000) }', { type: 'app', limits: { timers: 10 } });
    expect(r).toMatchObject({ ok: false, error: { name: 'TimerLimitError', code: 'TIMER_LIMIT' } });
  });

  it('refuses a result over the size limit', async () => {
    const r = await exec(engine, 'function main() { return "x".repeat(2000) }', { limits: { resultBytes: 1000 } });
    expect(r).toMatchObject({ ok: false, error: { name: 'OutputTooLargeError', code: 'OUTPUT_TOO_LARGE' } });
  });

  it('stops a memory bomb with a MemoryLimitError', async () => {
    const r = await exec(engine, 'function main() { const a = []; while (true) a.push({ n: a.length, s: "x" + a.length }) }', { limits: { memoryMb: 16 } });
    expect(r).toMatchObject({ ok: false, error: { name: 'MemoryLimitError', code: 'MEMORY_LIMIT' } });
    expect(await stillServes(engine)).toBe(true);
  });

  it('refuses limits above the operator maxima or nonsense, naming the limit', async () => {
    const above = await exec(engine, 'function main() {}', { limits: { memoryMb: 100000 } });
    expect(above.ok || above.error.message).toBe("Limit memoryMb = 100000 is above the operator's maximum of 512");
    const bad = await exec(engine, 'function main() {}', { limits: { cpuMs: -1 } });
    expect(bad.ok || bad.error.code).toBe('INVALID_REQUEST');
  });
});
