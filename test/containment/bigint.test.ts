// Containment: huge BigInt arithmetic (QUALITY.md "Containment", resource abuse). One BigInt
// operation on millions of digits is a single V8 builtin that its own timeout cannot interrupt: the
// supervisor answers with a TimeoutError at the deadline, kills the worker and starts another. The
// next call is served either way.
import { describe, expect, it } from 'vitest';
import { exec } from '../helpers.js';
import { engine, expectTimeout, useEngine } from './setup.js';
import { waitFor } from './timing.js';

useEngine();

describe('a script', () => {
  it('10n ** 10000000n: one uninterruptible operation, stopped from outside', async () => {
    const restarts = engine.restarts;
    await expectTimeout('function main() { return String(10n ** 10000000n).length }');
    // The isolate could not stop it itself: this took killing the worker (counted once it has exited).
    await waitFor(() => engine.restarts === restarts + 1, 2000);
  });

  it('squaring a huge BigInt over and over', async () => {
    await expectTimeout('function main() { let a = 7n ** 100000n; for (;;) a = a * a }', { limits: { memoryMb: 128 } });
  });

  it('converting a huge BigInt to a string', async () => {
    await expectTimeout('function main() { const x = 3n ** 6000000n; return x.toString().length }');
  });

  it('division of huge BigInts', async () => {
    await expectTimeout('function main() { return ((10n ** 9000000n) / (7n ** 3000000n)) > 0n }');
  });
});

describe('an app', () => {
  it('after an await, and in a timer callback', async () => {
    await expectTimeout('async function main() { await null; return String(10n ** 10000000n).length }', { type: 'app' });
    await expectTimeout('async function main() { await new Promise((resolve) => setTimeout(() => resolve(String(10n ** 10000000n).length), 1)) }', { type: 'app' });
  });
});

describe('results', () => {
  it('a BigInt result is a SerializationError that says how to convert it', async () => {
    const r = await exec(engine, 'function main() { return { total: 2n ** 64n } }');
    expect(r).toMatchObject({ ok: false, error: { code: 'RESULT_NOT_JSON', name: 'SerializationError' } });
    expect(r.ok || r.error.message).toMatch(/result\.total is a BigInt/);
  });

  it('a huge BigInt written to the log is cut like any long message', async () => {
    const r = await exec(engine, 'function main() { console.log(10n ** 20000n); return 1 }');
    expect(r).toMatchObject({ ok: true, result: 1 });
    expect(r.logs[0].message.length).toBeLessThan(9000);
  });
});
