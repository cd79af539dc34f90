// Containment: deep recursion (QUALITY.md "Containment", resource abuse). Running out of stack is
// the customer's own RangeError, reported at its line like any error; recursion that catches the
// RangeError and recurses again is stopped by the CPU limit. The engine serves the next call.
import { describe, expect, it } from 'vitest';
import { exec } from '../helpers.js';
import { engine, useEngine } from './setup.js';
import { SLACK_MS, timed } from './timing.js';

useEngine();

const STACK_OVERFLOW = { ok: false, error: { code: 'SCRIPT_ERROR', name: 'RangeError', message: 'Maximum call stack size exceeded' } };

describe('a script', () => {
  it('plain deep recursion is a RangeError at the customer line', async () => {
    const { value: r, ms } = await timed(exec(engine, 'function main() {\n  function f(n) { return f(n + 1) + 1 }\n  return f(0)\n}'));
    expect(r).toMatchObject({ ...STACK_OVERFLOW, error: { ...STACK_OVERFLOW.error, line: 2 } });
    expect(ms).toBeLessThan(SLACK_MS);
  });

  it('mutual recursion, and recursion through a getter, a Proxy trap and toString', async () => {
    for (const code of [
      'function main() { const a = (n) => b(n + 1); const b = (n) => a(n + 1); return a(0) }',
      'function main() { const o = { get x() { return this.x } }; return o.x }',
      'function main() { const p = new Proxy({}, { get(t, k, receiver) { return receiver[k] } }); return p.x }',
      'function main() { const o = { toString() { return "" + o } }; return String(o) }',
      'function main() { function f(n) { try { return f(n + 1) } catch (e) { throw e } } return f(0) }',
    ]) {
      expect(await exec(engine, code), code).toMatchObject(STACK_OVERFLOW);
    }
  });

  it('a getter on the result that recurses while the sandbox serializes it', async () => {
    const r = await exec(engine, 'function main() { const o = {}; Object.defineProperty(o, "x", { enumerable: true, get() { return this.x } }); return o }');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(['SCRIPT_ERROR', 'RESULT_NOT_JSON']).toContain(r.error.code);
  });

  it('a result nested deeper than the stack: a clean RangeError or SerializationError', async () => {
    const r = await exec(engine, 'function main() { let a = []; for (let i = 0; i < 200000; i++) a = [a]; return a }');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(['SCRIPT_ERROR', 'RESULT_NOT_JSON']).toContain(r.error.code);
      if (r.error.code === 'SCRIPT_ERROR') expect(r.error.name).toBe('RangeError');
    }
  });

  it('an error whose name getter recurses is still reported', async () => {
    const r = await exec(engine, 'function main() { const e = new Error("the message"); Object.defineProperty(e, "name", { get() { return this.name } }); throw e }');
    expect(r).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', message: 'the message' } });
  });

  it('a stack trace made as long as possible stays an ordinary error', async () => {
    const r = await exec(engine, 'function main() { Error.stackTraceLimit = Infinity; function f(n) { return f(n + 1) + 1 } return f(0) }');
    expect(r).toMatchObject(STACK_OVERFLOW);
  });

  it('recursion that catches the RangeError and recurses again is stopped by the CPU limit', async () => {
    const code = 'function main() { function f() { try { f() } catch (e) { f() } } f() }';
    const { value: r, ms } = await timed(exec(engine, code, { limits: { cpuMs: 500 } }));
    expect(r).toMatchObject({ ok: false, error: { code: 'TIMEOUT', name: 'TimeoutError' } });
    expect(ms).toBeLessThan(500 + SLACK_MS);
  });

  it('recursion in the top level of the script, before main', async () => {
    expect(await exec(engine, 'function f() { return f() + 1 }\nf();\nfunction main() { return 1 }')).toMatchObject(STACK_OVERFLOW);
  });
});

describe('an app', () => {
  it('deep recursion after an await, and in a timer callback', async () => {
    expect(await exec(engine, 'async function main() { await null; function f() { return f() + 1 } return f() }', { type: 'app' })).toMatchObject(STACK_OVERFLOW);
    const timer = 'async function main() { return await new Promise((resolve, reject) => setTimeout(() => { function f() { return f() + 1 } try { resolve(f()) } catch (e) { reject(e) } }, 1)) }';
    expect(await exec(engine, timer, { type: 'app' })).toMatchObject(STACK_OVERFLOW);
  });

  it('an uncaught stack overflow inside a timer callback fails the execution', async () => {
    const r = await exec(engine, 'async function main() { setTimeout(function f() { f() }, 1); await new Promise((resolve) => setTimeout(resolve, 100)) }', { type: 'app' });
    expect(r).toMatchObject(STACK_OVERFLOW);
  });

  it('async recursion that never ends is stopped by the CPU limit, not the stack', async () => {
    const { value: r, ms } = await timed(exec(engine, 'async function main() { async function f() { await null; return f() } return f() }', { type: 'app', limits: { cpuMs: 500, memoryMb: 64 } }));
    expect(r.ok).toBe(false);
    // Each pending promise takes memory: whichever limit comes first, the error is typed.
    if (!r.ok) expect(['TIMEOUT', 'MEMORY_LIMIT']).toContain(r.error.code);
    expect(ms).toBeLessThan(500 + SLACK_MS);
  });
});
