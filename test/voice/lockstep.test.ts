// The lockstep rules of PRODUCT.md §6.2: one operation at a time, a clean end when main settles
// with one running, and CallEnded when the caller hangs up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/index.js';
import { startEngine, stillServes } from '../helpers.js';
import { call, events, messages, op, ops } from './helpers.js';

let engine: Engine;
beforeAll(async () => {
  engine = await startEngine();
});
afterAll(() => engine.close());

describe('a forgotten await', () => {
  const forgot = `async function main(data, ctx) {
  await ctx.answer();
  ctx.tts('Welcome to Acme.');
  await ctx.play('ivr/menu.wav');
}`;

  it('throws at once, naming both operations and the missing await, at the customer line', async () => {
    const r = await call(engine, forgot);
    expect(r.ok).toBe(false);
    expect(r.error).toMatchObject({
      name: 'LockstepError',
      message: "ctx.play('ivr/menu.wav') was called while ctx.tts('Welcome to Acme.') is still running: add `await` before ctx.tts(...) (a call does one operation at a time, each finishing before the next starts)",
      line: 4,
      column: 13,
    });
    expect(ops(r.timeline, 'play')).toHaveLength(0); // it never reached the call
  });

  it('ends the call cleanly, and the log and the timeline say why', async () => {
    const r = await call(engine, forgot);
    expect(r.sim.seen.hungUpBy).toBe('us');
    expect(op(r.timeline, 'tts')).toMatchObject({ error: { name: 'CallEnded' } });
    const [hangup] = events(r.timeline, 'hangup');
    expect(hangup).toMatchObject({ by: 'platform' });
    expect(hangup.reason).toBe("the script failed while ctx.tts('Welcome to Acme.') was still running: LockstepError: " + r.error!.message);
    expect(r.logs).toContainEqual(expect.objectContaining({
      level: 'warn',
      message: "main() ended with an error while ctx.tts('Welcome to Acme.') was still running: the call was ended (add `await` before ctx.tts(...) to wait for it)",
    }));
    expect(r.timeline.at(-1)).toBe(hangup);
    expect(await stillServes(engine)).toBe(true);
  });

  it('a script that catches the error goes on with the call', async () => {
    const code = `async function main(data, ctx) {
      await ctx.answer();
      const speech = ctx.tts('Hello.');
      try { await ctx.play('ivr/menu.wav') } catch (e) { ctx.log(e.name) }
      await speech;
      await ctx.play('ivr/goodbye.wav');
    }`;
    const r = await call(engine, code);
    expect(r.ok).toBe(true);
    expect(messages(r)).toEqual(['LockstepError']);
    expect(op(r.timeline, 'play')).toMatchObject({ file: 'ivr/goodbye.wav', result: { ms: 1000 } });
  });

  it('waitFor may overlap anything, several at once', async () => {
    const code = `async function main(data, ctx) {
      await ctx.answer();
      const star = ctx.waitFor('*');
      const hash = ctx.waitFor('#');
      await ctx.tts('Press star or hash.');
      return Promise.race([star, hash]);
    }`;
    const r = await call(engine, code, { dtmf: '#@3000' });
    expect(r.ok).toBe(true);
    expect(ops(r.timeline, 'waitFor').map((w) => w.result ?? w.error)).toEqual([
      { name: 'CallEnded', message: 'The call has ended: main() returned' },
      { status: 'match', digits: '#' },
    ]);
  });
});

describe('main settling with an operation running', () => {
  it('ends the call cleanly; the log and the timeline say why', async () => {
    const code = "async function main(data, ctx) { await ctx.answer(); ctx.play('ivr/menu.wav'); return 'bye' }";
    const r = await call(engine, code);
    expect(r.ok).toBe(true);
    expect(r.logs).toEqual([expect.objectContaining({
      level: 'warn',
      message: "main() returned while ctx.play('ivr/menu.wav') was still running: the call was ended (add `await` before ctx.play(...) to wait for it)",
    })]);
    expect(events(r.timeline, 'hangup')[0]).toMatchObject({ by: 'platform', reason: "main() returned while ctx.play('ivr/menu.wav') was still running" });
    expect(op(r.timeline, 'play')).toMatchObject({ error: { name: 'CallEnded' } });
    expect(r.sim.seen.hungUpBy).toBe('us');
  });

  it('says so for a waitFor left waiting too', async () => {
    const r = await call(engine, "async function main(data, ctx) { await ctx.answer(); ctx.waitFor('#') }");
    expect(r.ok).toBe(true);
    expect(messages(r)).toEqual(["main() returned while ctx.waitFor('#') was still waiting: the call was ended"]);
  });
});

describe('the caller hanging up', () => {
  const code = `async function main(data, ctx) {
    await ctx.answer();
    try { await ctx.play('ivr/menu.wav') } catch (e) { ctx.log('play', e.name, e.message) }
    for (const f of ['ivr/goodbye.wav', 'ivr/welcome.wav']) {
      try { await ctx.play(f) } catch (e) { ctx.log('then', e.name) }
    }
    try { await ctx.hangup() } catch (e) { ctx.log('hangup', e.name) }
    return 'cleaned up';
  }`;

  it('rejects the running prompt with CallEnded, and every later operation at once', async () => {
    const r = await call(engine, code, { hangupAfterMs: 1000 });
    expect(r.ok).toBe(true);
    expect(messages(r)).toEqual(['play CallEnded The call has ended: the caller hung up', 'then CallEnded', 'then CallEnded', 'hangup CallEnded']);
    const [hangup] = events(r.timeline, 'hangup');
    expect(hangup).toMatchObject({ by: 'caller', reason: 'the caller hung up' });
    const plays = ops(r.timeline, 'play');
    expect(plays.map((p) => p.error)).toEqual(Array(3).fill({ name: 'CallEnded', message: 'The call has ended: the caller hung up' }));
    // the prompt was cut at the hang-up; the later ones failed then and there, playing nothing
    expect(Math.abs((plays[0].end as number) - hangup.t)).toBeLessThanOrEqual(5);
    for (const p of plays.slice(1)) expect((p.end as number) - p.t).toBeLessThanOrEqual(5);
    expect(r.sim.seen.hungUpBy).toBe('caller');
  });

  it('an uncaught CallEnded is the normal end of the call, not a failure', async () => {
    const r = await call(engine, "async function main(data, ctx) { await ctx.answer(); await ctx.tts('A long announcement that the caller will not wait to hear the end of.'); await ctx.hangup() }", { hangupAfterMs: 2000 });
    expect(r).toMatchObject({ ok: true });
    expect(r.error).toBeUndefined();
    expect(op(r.timeline, 'tts')).toMatchObject({ error: { name: 'CallEnded' } });
    expect(ops(r.timeline, 'hangup')).toHaveLength(0);
  });
});

describe('the boundary', () => {
  it("ctx is the sandbox's own: its functions lead to no host object", async () => {
    const code = `async function main(data, ctx) {
      const F = ctx.answer.constructor;
      ctx.log(JSON.stringify([F === Function, Object.getPrototypeOf(ctx) === Object.prototype, F('return typeof require')(), F('return this')() === globalThis]));
    }`;
    const r = await call(engine, code);
    expect(r.ok).toBe(true);
    expect(messages(r)).toEqual(['[true,true,"undefined",true]']);
  });

  it('a plain app cannot reach the call operations', async () => {
    const { exec } = await import('../helpers.js');
    const r = await exec(engine, 'async function main(data, ctx) { return typeof ctx }', { type: 'app' });
    expect(r).toMatchObject({ ok: true, result: 'undefined' });
  });
});
