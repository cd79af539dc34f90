// Containment: memory bombs (QUALITY.md "Containment", resource abuse). Arrays, strings,
// ArrayBuffers and one huge `new Array(n).fill()` end the execution with a MemoryLimitError; other
// tenants keep their warm state and the engine serves the next call. Small limits keep this fast.
import { describe, expect, it } from 'vitest';
import type { RunOptions } from '../../src/runtime/index.js';
import { exec } from '../helpers.js';
import { engine, useEngine } from './setup.js';
import { SLACK_MS, timed } from './timing.js';

useEngine();

const LIMITS = { memoryMb: 32, cpuMs: 5000 };

async function expectMemoryLimit(code: string, o: Partial<RunOptions> = {}): Promise<void> {
  const { value: r, ms } = await timed(exec(engine, code, { tenant: 'bomber', ...o, limits: { ...LIMITS, ...o.limits } }));
  expect(r).toMatchObject({ ok: false, error: { code: 'MEMORY_LIMIT', name: 'MemoryLimitError' } });
  expect(r.ok || r.error.message).toMatch(/Memory limit of 32 MB exceeded/);
  expect(ms).toBeLessThan(LIMITS.cpuMs + SLACK_MS);
}

describe('a script', () => {
  it('growing an array of objects', async () => {
    await expectMemoryLimit('function main() { const a = []; for (;;) a.push({ n: a.length, s: "item " + a.length }) }');
  });

  it('growing a Map', async () => {
    await expectMemoryLimit('function main() { const m = new Map(); for (let i = 0; ; i++) m.set("k" + i, [i]) }');
  });

  it('doubling a string (flattened each time, so it really takes the memory)', async () => {
    await expectMemoryLimit('function main() { let s = "x"; for (;;) { s = s + s; s.charCodeAt(s.length - 1) } }');
  });

  it("doubling a string kept as a rope only reaches V8's string length limit: a clean RangeError", async () => {
    const r = await exec(engine, 'function main() { let s = "x"; const keep = []; for (;;) { s = s + s; keep.push(s) } }', { limits: LIMITS });
    expect(r).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', name: 'RangeError', message: 'Invalid string length' } });
  });

  it('many small typed arrays', async () => {
    await expectMemoryLimit('function main() { const k = []; for (;;) k.push(new Uint8Array(60)) }');
  });

  it('many 1 MB ArrayBuffers', async () => {
    await expectMemoryLimit('function main() { const k = []; for (;;) k.push(new ArrayBuffer(1024 * 1024)) }');
  });

  it('one ArrayBuffer larger than the limit', async () => {
    await expectMemoryLimit('function main() { return new ArrayBuffer(200 * 1024 * 1024).byteLength }');
  });

  it('one typed array larger than the limit', async () => {
    await expectMemoryLimit('function main() { return new Float64Array(50 * 1024 * 1024).length }');
  });

  it('one huge new Array(5e7).fill(0)', async () => {
    await expectMemoryLimit('function main() { return new Array(5e7).fill(0).length }');
  });
});

describe('an app', () => {
  it('growing an array after an await', async () => {
    await expectMemoryLimit('async function main() { await null; const a = []; for (;;) a.push([a.length]) }', { type: 'app' });
  });

  it('one huge new Array(5e7).fill(0) in a timer callback', async () => {
    await expectMemoryLimit('async function main() { await new Promise((resolve) => setTimeout(() => resolve(new Array(5e7).fill(0).length), 1)) }', { type: 'app' });
  });
});

describe('other tenants', () => {
  it("keep their warm state while a neighbour's isolate dies of memory", async () => {
    const counter = 'function main() { globalThis.calls = (globalThis.calls || 0) + 1; return calls }';
    const warm = { tenant: 'neighbour', isolation: 'reuse' as const, limits: LIMITS };
    expect(await exec(engine, counter, warm)).toMatchObject({ ok: true, result: 1 });
    await expectMemoryLimit('function main() { const a = []; for (;;) a.push({ n: a.length }) }');
    expect(await exec(engine, counter, warm)).toMatchObject({ ok: true, result: 2 });
  });

  it('the tenant that blew its limit runs again, in a new isolate', async () => {
    await expectMemoryLimit('function main() { const a = []; for (;;) a.push({ n: a.length }) }');
    expect(await exec(engine, 'function main() { return new Array(1000).fill(1).length }', { tenant: 'bomber', limits: LIMITS }))
      .toMatchObject({ ok: true, result: 1000 });
  });
});
