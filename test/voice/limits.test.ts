// Limits of voice executions (CPU yes, wall time no: a maximum call duration instead), and
// simulated time keeping a real call's order when the script has timers or other I/O of its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine, HostHandler } from '../../src/engine/index.js';
import { MODULES } from '../../src/modules/index.js';
import { startEngine, stillServes } from '../helpers.js';
import { call, events, messages, op } from './helpers.js';

let engine: Engine;
beforeAll(async () => {
  engine = await startEngine({ modules: MODULES });
});
afterAll(() => engine.close());

describe('limits', () => {
  it('the CPU limit still applies: an infinite loop is stopped and the call hung up', async () => {
    const code = 'async function main(data, ctx) { await ctx.answer(); while (true) {} }';
    const started = performance.now();
    const r = await call(engine, code, { limits: { cpuMs: 300 } });
    expect(r).toMatchObject({ ok: false, error: { name: 'TimeoutError', code: 'TIMEOUT', message: expect.stringMatching(/^CPU time limit of 300 ms exceeded/) } });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(events(r.timeline, 'hangup')[0]).toMatchObject({ by: 'platform', reason: expect.stringMatching(/^the script failed: TimeoutError: CPU time limit of 300 ms exceeded/) });
    expect(r.sim.seen.hungUpBy).toBe('us');
    expect(await stillServes(engine)).toBe(true);
  });

  it('the CPU limit counts every turn of a call', async () => {
    const code = 'async function main(data, ctx) { await ctx.answer(); for (;;) { const end = Date.now() + 20; while (Date.now() < end) {} await ctx.sleep(1000) } }';
    const r = await call(engine, code, { limits: { cpuMs: 200 } });
    expect(r).toMatchObject({ ok: false, error: { name: 'TimeoutError', message: expect.stringMatching(/^CPU time limit of 200 ms exceeded/) } });
  });

  it('the wall-time limit does not apply: a call outlasts it', async () => {
    const code = 'async function main(data, ctx) { await ctx.answer(); await new Promise((r) => setTimeout(r, 700)); await ctx.sleep(3600000 - 5000); ctx.log("still here") }';
    const r = await call(engine, code, { limits: { wallMs: 300 } });
    expect(r.ok).toBe(true);
    expect(messages(r)).toEqual(['still here']);
  });

  it('a call over its maximum duration is hung up: TimeoutError', async () => {
    const code = "async function main(data, ctx) { await ctx.answer(); try { await ctx.waitForHangup() } finally { ctx.log('ended') } }";
    const r = await call(engine, code, { maxCallMs: 120_000 });
    expect(r).toMatchObject({ ok: false, error: { name: 'TimeoutError', code: 'TIMEOUT', message: 'The call reached its maximum duration of 120000 ms and was hung up' } });
    const [hangup] = events(r.timeline, 'hangup');
    expect(hangup).toMatchObject({ by: 'limit', reason: 'the call reached its maximum duration of 120000 ms' });
    expect(Math.abs(hangup.t - 120_000)).toBeLessThanOrEqual(5);
    expect(messages(r)).toEqual(['ended']);
  });

  it('a script that keeps going after the call ended is stopped after a grace period', async () => {
    const code = "async function main(data, ctx) { await ctx.answer(); try { await ctx.play('ivr/menu.wav') } catch (e) {} for (;;) await new Promise((r) => setTimeout(r, 100)) }";
    const started = performance.now();
    const r = await call(engine, code, { hangupAfterMs: 1000, graceMs: 500 });
    expect(r).toMatchObject({ ok: false, error: { name: 'TimeoutError', message: 'The call ended 500 ms ago and the script was still running: it was stopped' } });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(await stillServes(engine)).toBe(true);
  });
});

describe('simulated time keeps the order of a real call', () => {
  it("the script's own timer fires in its place among the call's events", async () => {
    const code = `async function main(data, ctx) {
      await ctx.answer();
      setTimeout(() => ctx.log('timer'), 300);
      const digits = await ctx.waitFor('1');
      ctx.log('digit');
      await ctx.sleep(10000);
      ctx.log('slept');
    }`;
    const started = performance.now();
    const r = await call(engine, code, { dtmf: '1@600' });
    expect(r.ok).toBe(true);
    expect(messages(r)).toEqual(['timer', 'digit', 'slept']);
    const timer = r.timeline.find((e) => e.op === 'log' && e.text === 'timer')!;
    expect(Math.abs(timer.t - op(r.timeline, 'answer').t - 300)).toBeLessThanOrEqual(30);
    // real time ran while the timer was pending, not while the script only waited
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('no skipping ahead while another module operation is in flight', async () => {
    // A slow cxKV read (300 ms real) races a 5 s ctx.sleep: on a real call the read wins.
    const slow: HostHandler = (module, method) => new Promise((resolve) => setTimeout(() => resolve(module === 'cxKV' && method === 'get' ? '1' : null), 300));
    const code = `const { kv } = require('cxKV');
    async function main(data, ctx) {
      await ctx.answer();
      const first = await Promise.race([kv.get('k').then(() => 'kv'), ctx.sleep(5000).then(() => 'sleep')]);
      ctx.log(first);
    }`;
    const r = await call(engine, code, { host: slow });
    expect(r.ok).toBe(true);
    expect(messages(r)[0]).toBe('kv');
  });

  it('realtime: simulated time is real time', async () => {
    const started = performance.now();
    const r = await call(engine, 'async function main(data, ctx) { await ctx.answer(); await ctx.sleep(400) }', { realtime: true });
    expect(r.ok).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);
  });
});
