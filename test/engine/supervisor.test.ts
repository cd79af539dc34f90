// The supervisor: deadlines enforced from outside, workers killed and replaced, bystanders retried.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { exec, startEngine, stillServes } from '../helpers.js';

// A BigInt power is not interruptible by V8: only killing the worker stops it.
const HANG = 'function main() { return String(7n ** 50000000n).length }';

describe('one worker', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await startEngine({ workers: 1, deadlineMarginMs: 100 });
  });
  afterAll(() => engine.close());

  it('kills a worker that overruns its deadline, answers with a TimeoutError, and replaces it', async () => {
    const restarts = engine.restarts;
    const started = Date.now();
    const r = await exec(engine, HANG, { limits: { cpuMs: 200 } });
    expect(r).toMatchObject({ ok: false, error: { name: 'TimeoutError', code: 'TIMEOUT' } });
    expect(r.ok || r.error.message).toMatch(/the sandbox process was stopped/);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await stillServes(engine)).toBe(true);
    expect(engine.restarts).toBe(restarts + 1);
  });

  it('re-runs the calls that were queued behind the culprit, which all succeed', async () => {
    const hung = exec(engine, HANG, { limits: { cpuMs: 200 } });
    const bystanders = Array.from({ length: 5 }, (_, i) => exec(engine, 'function main(d) { return d.i }', { data: { i } }));
    const results = await Promise.all(bystanders);
    expect(results.map((r) => r.ok && r.result)).toEqual([0, 1, 2, 3, 4]);
    expect((await hung).ok).toBe(false);
  });

  it('sends code to a replacement worker that has never seen it', async () => {
    const code = 'function main() { return "known" }';
    expect(await exec(engine, code)).toMatchObject({ ok: true, result: 'known' });
    await exec(engine, HANG, { limits: { cpuMs: 100 } });
    expect(await exec(engine, code)).toMatchObject({ ok: true, result: 'known' });
  });

  it('reports worker memory and counts', async () => {
    const s = await engine.stats();
    expect(s.workers).toHaveLength(1);
    expect(s.workers[0].rss).toBeGreaterThan(10_000_000);
    expect(s.workers[0].tenants).toBeGreaterThan(0);
  });
});

describe('two workers', () => {
  it('keeps answering other calls while one worker is stuck and being replaced', async () => {
    const engine = await startEngine({ workers: 2 });
    try {
      const hung = exec(engine, HANG, { limits: { cpuMs: 1500 } });
      await new Promise((r) => setTimeout(r, 50));
      const started = Date.now();
      const others = await Promise.all(Array.from({ length: 20 }, (_, i) => exec(engine, `function main() { return ${i} } // ${i}`)));
      expect(others.every((r) => r.ok)).toBe(true);
      expect(Date.now() - started).toBeLessThan(1500); // answered while the stuck call still runs
      expect((await hung).ok).toBe(false);
    } finally {
      await engine.close();
    }
  });
});

describe('shutdown', () => {
  it('lets executions in flight finish, then refuses new ones', async () => {
    const engine = await startEngine();
    const slow = exec(engine, 'async function main() { await new Promise((r) => setTimeout(r, 200)); return "done" }', { type: 'app' });
    await new Promise((r) => setTimeout(r, 20));
    const closing = engine.close();
    const late = await exec(engine, 'function main() { return 1 }');
    expect(late).toMatchObject({ ok: false, error: { code: 'OVERLOADED' } });
    expect(await slow).toMatchObject({ ok: true, result: 'done' });
    await closing;
  });
});

describe('code cache', () => {
  it('compiles a script version from V8 code cache when its isolate has to be made again', async () => {
    const engine = await startEngine();
    try {
      const code = 'function main(d) { return d.n * 2 } // cached';
      const o = { tenant: 'cache-test', data: { n: 2 }, limits: { memoryMb: 16 } };
      expect(await exec(engine, code, o)).toMatchObject({ ok: true, result: 4 });
      const before = (await engine.stats()).workers[0].codeCache;
      // The same tenant blows its memory limit: its isolate is disposed and made anew.
      const bomb = await exec(engine, 'function main() { const a = []; for (;;) a.push([a.length]) }', o);
      expect(bomb.ok || bomb.error.code).toBe('MEMORY_LIMIT');
      expect(await exec(engine, code, o)).toMatchObject({ ok: true, result: 4 });
      const after = (await engine.stats()).workers[0].codeCache;
      expect(after.hits).toBeGreaterThan(before.hits);
    } finally {
      await engine.close();
    }
  });
});
