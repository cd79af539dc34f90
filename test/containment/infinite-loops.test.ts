// Containment: infinite loops (QUALITY.md "Containment", resource abuse). A loop that never ends,
// wherever it runs (main, a promise callback, after main returned, a timer callback), ends the
// execution with a TimeoutError near its CPU limit; the engine serves the next call.
import { describe, expect, it } from 'vitest';
import { exec } from '../helpers.js';
import { engine, expectTimeout, useEngine } from './setup.js';
import { SLACK_MS, timed } from './timing.js';

useEngine();

const CPU_MS = 300;

describe('a script', () => {
  it('for (;;) in main', async () => {
    await expectTimeout('function main() { for (;;) {} }');
  });

  it('a loop that allocates nothing and calls nothing, in a nested function', async () => {
    await expectTimeout('function main() { let i = 0; const spin = () => { while (true) i++ }; spin() }');
  });

  it('in a promise callback', async () => {
    await expectTimeout('function main() { Promise.resolve().then(() => { for (;;) {} }); return 1 }');
  });

  it('after main returned: a callback queued deep in a promise chain', async () => {
    await expectTimeout('function main() { Promise.resolve().then(() => null).then(() => null).then(() => { for (;;) {} }); return "returned" }');
  });

  it('in a loop over a generator that never ends', async () => {
    await expectTimeout('function main() { function* g() { for (;;) yield 1 } let n = 0; for (const x of g()) n += x; return n }');
  });

  it('at the top level of the script, before main is called', async () => {
    await expectTimeout('for (;;) {}\nfunction main() { return 1 }');
  });
});

describe('an app', () => {
  it('for (;;) in main before any await', async () => {
    await expectTimeout('async function main() { for (;;) {} }', { type: 'app' });
  });

  it('for (;;) after an await', async () => {
    await expectTimeout('async function main() { await null; for (;;) {} }', { type: 'app' });
  });

  it('in a promise callback started by main', async () => {
    await expectTimeout('async function main() { await new Promise((resolve) => Promise.resolve().then(() => { for (;;) {} }).then(resolve)) }', { type: 'app' });
  });

  it('after main returned: a callback queued by main that runs once it has settled', async () => {
    await expectTimeout('async function main() { Promise.resolve().then(() => null).then(() => { for (;;) {} }); return "returned" }', { type: 'app' });
  });

  it('in a setTimeout callback while main awaits', async () => {
    await expectTimeout('async function main() { setTimeout(() => { for (;;) {} }, 5); await new Promise((resolve) => setTimeout(resolve, 50)); return 1 }', { type: 'app' });
  });

  it('in a setInterval callback on its third tick', async () => {
    const code = 'async function main() { let n = 0; setInterval(() => { if (++n === 3) for (;;) {} }, 1); await new Promise((resolve) => setTimeout(resolve, 1000)) }';
    await expectTimeout(code, { type: 'app' });
  });

  it('many short turns that add up: the CPU budget counts across turns', async () => {
    const code = 'async function main() { for (;;) { const end = Date.now() + 20; while (Date.now() < end) {} await new Promise((resolve) => setTimeout(resolve, 0)) } }';
    await expectTimeout(code, { type: 'app', limits: { wallMs: 20_000 } });
  });

  it('a timer left pending when main returns never runs, so its loop costs nothing', async () => {
    const { value: r, ms } = await timed(exec(engine, 'async function main() { setTimeout(() => { for (;;) {} }, 1); return "done" }', { type: 'app', limits: { cpuMs: CPU_MS } }));
    expect(r).toMatchObject({ ok: true, result: 'done' });
    expect(ms).toBeLessThan(CPU_MS + SLACK_MS);
  });
});

describe('a warm (reuse) context', () => {
  it('is not left spinning: the next call of the same version runs', async () => {
    const code = 'let calls = 0;\nfunction main(d) { calls++; if (d.spin) for (;;) {} return calls }';
    const o = { isolation: 'reuse' as const, tenant: 'warm-loop' };
    expect(await exec(engine, code, { ...o, data: { spin: false } })).toMatchObject({ ok: true, result: 1 });
    await expectTimeout(code, { ...o, data: { spin: true } });
    // The context stopped mid-turn is discarded: the next call starts a new one.
    expect(await exec(engine, code, { ...o, data: { spin: false } })).toMatchObject({ ok: true, result: 1 });
  });
});
