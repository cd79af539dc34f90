// Containment: floods (QUALITY.md "Containment", resource abuse). A huge result is an
// OutputTooLargeError; a huge thrown error is reported cut, not carried whole; a log flood is
// truncated under its byte cap with a final "log truncated" entry, however the guest tampers with
// the built-ins the sandbox uses; a timer flood is a TimerLimitError. The engine serves the next call.
import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../src/engine/index.js';
import { exec } from '../helpers.js';
import { engine, useEngine } from './setup.js';
import { SLACK_MS, timed } from './timing.js';

useEngine();

const CPU_MS = 5000;

describe('huge results', () => {
  it('a 2 MB string is an OutputTooLargeError against the default 1 MB', async () => {
    const { value: r, ms } = await timed(exec(engine, 'function main() { return "x".repeat(2 * 1024 * 1024) }'));
    expect(r).toMatchObject({ ok: false, error: { code: 'OUTPUT_TOO_LARGE', name: 'OutputTooLargeError' } });
    expect(r.ok || r.error.message).toMatch(/limit is 1048576/);
    expect(ms).toBeLessThan(SLACK_MS);
  });

  it('many small items, and a deep object, over the limit', async () => {
    for (const code of [
      'function main() { return new Array(300000).fill("abcd") }',
      'function main() { const o = {}; for (let i = 0; i < 100000; i++) o["key" + i] = { i, s: "value" }; return o }',
    ]) {
      expect(await exec(engine, code), code).toMatchObject({ ok: false, error: { code: 'OUTPUT_TOO_LARGE' } });
    }
  });

  it('counts bytes, not characters: multi-byte text over the limit is refused, ASCII under it passes', async () => {
    const limits = { resultBytes: 1000 };
    expect(await exec(engine, 'function main() { return "é".repeat(600) }', { limits })).toMatchObject({ ok: false, error: { code: 'OUTPUT_TOO_LARGE' } });
    expect(await exec(engine, 'function main() { return "😀".repeat(300) }', { limits })).toMatchObject({ ok: false, error: { code: 'OUTPUT_TOO_LARGE' } });
    expect(await exec(engine, 'function main() { return "e".repeat(990) }', { limits })).toMatchObject({ ok: true });
  });

  it('a huge result from an app', async () => {
    const r = await exec(engine, 'async function main() { await null; return "x".repeat(2 * 1024 * 1024) }', { type: 'app' });
    expect(r).toMatchObject({ ok: false, error: { code: 'OUTPUT_TOO_LARGE' } });
  });

  it('a huge thrown error reaches the caller cut to a readable size, quickly', async () => {
    for (const code of [
      'function main() { throw new Error("x".repeat(20 * 1024 * 1024)) }',
      'function main() { throw { name: "n".repeat(5 * 1024 * 1024), message: "m".repeat(20 * 1024 * 1024) } }',
      'function main() { throw [604, "r".repeat(20 * 1024 * 1024)] }',
      'function main() { const e = new Error("short"); e.stack = "s".repeat(20 * 1024 * 1024); throw e }',
    ]) {
      const { value: r, ms } = await timed(exec(engine, code, { limits: { cpuMs: CPU_MS } }));
      expect(r.ok, code).toBe(false);
      if (!r.ok) {
        expect(r.error.code, code).toBe('SCRIPT_ERROR');
        expect(JSON.stringify(r.error).length, code).toBeLessThan(64 * 1024);
      }
      expect(ms, code).toBeLessThan(CPU_MS + SLACK_MS);
    }
  });
});

/** Bytes of captured output: what the logBytes cap bounds (entries' messages, in UTF-8). */
const logSize = (logs: LogEntry[]) => logs.reduce((n, l) => n + Buffer.byteLength(l.message), 0);

function expectTruncated(logs: LogEntry[], cap: number): void {
  expect(logSize(logs.slice(0, -1))).toBeLessThanOrEqual(cap);
  expect(logs.at(-1)).toMatchObject({ level: 'warn' });
  expect(logs.at(-1)!.message).toMatch(/^log truncated: \d+ more entries were dropped/);
  for (const l of logs) {
    expect(['log', 'info', 'warn', 'error', 'debug']).toContain(l.level);
    expect(typeof l.message).toBe('string');
    expect(typeof l.ts).toBe('number');
  }
}

describe('log floods', () => {
  it('100,000 lines: truncated under the 64 KB default, with a final entry saying so', async () => {
    const { value: r, ms } = await timed(exec(engine, 'function main() { for (let i = 0; i < 100000; i++) console.log("line", i, "x".repeat(100)); return "done" }'));
    expect(r).toMatchObject({ ok: true, result: 'done' });
    expectTruncated(r.logs, 64 * 1024);
    expect(r.logs[0].message).toMatch(/^line 0 x+$/);
    expect(ms).toBeLessThan(SLACK_MS);
  });

  it('a few enormous lines: each cut, the total under the cap', async () => {
    const r = await exec(engine, 'function main() { for (let i = 0; i < 100; i++) console.error("x".repeat(1024 * 1024)); return 1 }', { limits: { cpuMs: CPU_MS } });
    expect(r).toMatchObject({ ok: true, result: 1 });
    expectTruncated(r.logs, 64 * 1024);
  });

  it('multi-byte text is counted in bytes', async () => {
    const r = await exec(engine, 'function main() { for (let i = 0; i < 100; i++) console.log("中".repeat(5000)); return 1 }', { limits: { logBytes: 16 * 1024 } });
    expect(r).toMatchObject({ ok: true, result: 1 });
    expectTruncated(r.logs, 16 * 1024);
  });

  it('an app logging across many turns, streamed: the same cap for what is streamed and returned', async () => {
    const streamed: LogEntry[] = [];
    const code = 'async function main() { for (let t = 0; t < 20; t++) { for (let i = 0; i < 500; i++) console.log("turn", t, "line", i); await new Promise((r) => setTimeout(r, 1)) } return 1 }';
    const r = await exec(engine, code, { type: 'app', limits: { logBytes: 8 * 1024 }, onLog: (e) => streamed.push(e) });
    expect(r).toMatchObject({ ok: true, result: 1 });
    expectTruncated(r.logs, 8 * 1024);
    expect(logSize(streamed.slice(0, -1))).toBeLessThanOrEqual(8 * 1024);
  });

  it('tampering with Array.prototype.push cannot grow or reshape entries after they were counted', async () => {
    const code = `function main() {
      const grabbed = [];
      const push = Array.prototype.push;
      Array.prototype.push = function (...items) { for (const x of items) if (x && typeof x === 'object' && 'level' in x) grabbed[grabbed.length] = x; return push.apply(this, items) };
      for (let i = 0; i < 10; i++) console.log('small');
      Array.prototype.push = push;
      for (const e of grabbed) { e.message = 'x'.repeat(1024 * 1024); e.level = { not: 'a level' }; e.ts = 'never' }
      return grabbed.length;
    }`;
    const r = await exec(engine, code, { limits: { logBytes: 4096 } });
    expect(r.ok).toBe(true);
    expect(logSize(r.logs)).toBeLessThanOrEqual(4096);
    for (const l of r.logs) {
      expect(['log', 'info', 'warn', 'error', 'debug']).toContain(l.level);
      expect(typeof l.message).toBe('string');
      expect(typeof l.ts).toBe('number');
    }
  });

  it('tampering with toJSON or an index setter cannot rewrite the log either', async () => {
    for (const tamper of [
      "Object.prototype.toJSON = function () { return { level: { evil: 1 }, ts: 'x', message: 'y'.repeat(1024 * 1024) } }",
      "Array.prototype.toJSON = function () { return [{ level: { evil: 1 }, ts: 'x', message: 'y'.repeat(1024 * 1024) }] }",
      "Object.defineProperty(Array.prototype, '0', { configurable: true, set(v) { this.stash = v }, get() { return { level: { evil: 1 }, ts: 'x', message: 'y'.repeat(1024 * 1024) } } })",
    ]) {
      const code = `function main() { ${tamper}; console.log('small'); return 1 }`;
      const r = await exec(engine, code, { limits: { logBytes: 4096 } });
      expect(logSize(r.logs), tamper).toBeLessThanOrEqual(4096);
      for (const l of r.logs) {
        expect(['log', 'info', 'warn', 'error', 'debug'], tamper).toContain(l.level);
        expect(typeof l.message, tamper).toBe('string');
      }
    }
  });
});

describe('timer floods', () => {
  it('1,000 setTimeouts: a TimerLimitError at the 11th', async () => {
    const r = await exec(engine, 'async function main() { for (let i = 0; i < 1000; i++) setTimeout(() => {}, 100000) }', { type: 'app' });
    expect(r).toMatchObject({ ok: false, error: { code: 'TIMER_LIMIT', name: 'TimerLimitError' } });
    expect(r.ok || r.error.message).toMatch(/at most 10/);
  });

  it('setInterval and setImmediate floods, and timers that each start two more', async () => {
    for (const code of [
      'async function main() { for (let i = 0; i < 1000; i++) setInterval(() => {}, 1) }',
      'async function main() { for (let i = 0; i < 1000; i++) setImmediate(() => {}) }',
      'async function main() { function f() { setTimeout(f, 0); setTimeout(f, 0) } setTimeout(f, 0); await new Promise((r) => setTimeout(r, 60000)) }',
    ]) {
      const { value: r, ms } = await timed(exec(engine, code, { type: 'app', limits: { wallMs: 5000 } }));
      expect(r, code).toMatchObject({ ok: false, error: { code: 'TIMER_LIMIT' } });
      expect(ms).toBeLessThan(5000 + SLACK_MS);
    }
  });

  it('the limit is on timers pending at once: clearing them leaves room', async () => {
    const code = 'async function main() { for (let i = 0; i < 1000; i++) clearTimeout(setTimeout(() => {}, 100000)); return "ok" }';
    expect(await exec(engine, code, { type: 'app' })).toMatchObject({ ok: true, result: 'ok' });
  });

  it('a flood caught by the script leaves exactly the limit, and the execution goes on', async () => {
    const code = 'async function main() { let n = 0; try { for (;;) { setTimeout(() => {}, 100000); n++ } } catch (e) { return [n, e.name] } }';
    expect(await exec(engine, code, { type: 'app', limits: { timers: 25 } })).toMatchObject({ ok: true, result: [25, 'TimerLimitError'] });
  });
});
