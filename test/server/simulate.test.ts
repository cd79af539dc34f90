// The live call simulator over HTTP: a real server, a voice script's simulated call streamed as
// Server-Sent Events, digits and hang-up pushed into the live call, one account's calls out of
// another's reach.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LIVE_CALLS } from '../../src/server/routes/simulate.js';
import { startTestServer, type TestServer } from '../server-helpers.js';

let t: TestServer;
let a: { id: string; key: string };
let b: { id: string; key: string };
beforeAll(async () => {
  t = await startTestServer();
  a = await t.account('alpha');
  b = await t.account('beta');
});
afterAll(() => t?.close());

const IVR = `async function main(data, ctx) {
  await ctx.answer();
  console.log('answered for', data.name);
  const d = await ctx.waitFor(/^[0-9]$/, null, 30);
  await ctx.tts('You pressed ' + d);
  await ctx.waitForHangup();
  console.log('caller left');
}`;

interface Sse {
  event: string;
  data: any;
}

/** A streamed call: its events as they come, and a wait for one that matches. */
async function startCall(key: string, scriptId: string, data: unknown = {}) {
  const ctl = new AbortController();
  const res = await fetch(`${t.url}/api/v1/scripts/${scriptId}/call`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify(data),
    signal: ctl.signal,
  });
  const events: Sse[] = [];
  const waiters: { pred: (e: Sse) => boolean; resolve: (e: Sse) => void }[] = [];
  let ended = false;
  const done = (async () => {
    if (!res.ok || !res.body) return;
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let at: number;
        while ((at = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, at);
          buf = buf.slice(at + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
          const e = { event, data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null') };
          events.push(e);
          for (const w of waiters.splice(0)) (w.pred(e) ? w.resolve(e) : waiters.push(w));
        }
      }
    } catch {
      /* aborted */
    }
    ended = true;
  })();
  const waitFor = (pred: (e: Sse) => boolean, ms = 10_000) =>
    new Promise<Sse>((resolve, reject) => {
      const seen = events.find(pred);
      if (seen) return resolve(seen);
      const timer = setTimeout(() => reject(new Error(`no such event within ${ms} ms; got ${JSON.stringify(events)}`)), ms);
      waiters.push({ pred, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  return { res, events, waitFor, done, abort: () => ctl.abort(), isEnded: () => ended };
}

const entry = (e: Sse) => (e.event === 'timeline' ? (e.data.entry as Record<string, any>) : null);

describe('the live call simulator', () => {
  let id: string;
  beforeAll(async () => {
    const r = await t.call('POST', '/api/v1/scripts', a.key, { name: 'ivr', type: 'app', code: IVR });
    expect(r.status).toBe(201);
    id = r.body.id;
  });

  it('streams the timeline as it happens; digits reach the script; the caller hangs up; the call ends', async () => {
    const c = await startCall(a.key, id, { name: 'Ada' });
    expect(c.res.status).toBe(200);
    expect(c.res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const first = await c.waitFor(() => true);
    expect(first.event).toBe('call');
    const callId = first.data.callId as string;
    expect(callId).toMatch(/^sim-/);
    expect(c.res.headers.get('x-call-id')).toBe(callId);

    // Answered, and waiting for a digit: the waitFor is streamed when it starts, before any result.
    await c.waitFor((e) => entry(e)?.op === 'answer' && 'result' in entry(e)!);
    const waiting = await c.waitFor((e) => entry(e)?.op === 'waitFor');
    expect(waiting.data.entry.result).toBeUndefined();
    await c.waitFor((e) => e.event === 'log' && e.data.message === 'answered for Ada');
    expect(c.isEnded()).toBe(false);

    // Another account cannot reach this call.
    expect((await t.call('POST', `/api/v1/calls/${callId}/dtmf`, b.key, { digits: '7' })).status).toBe(404);
    expect((await t.call('POST', `/api/v1/calls/${callId}/hangup`, b.key)).status).toBe(404);
    expect((await t.call('POST', `/api/v1/calls/${callId}/dtmf`, a.key, { digits: 'x' })).status).toBe(400);

    const pressed = await t.call('POST', `/api/v1/calls/${callId}/dtmf`, a.key, { digits: '7' });
    expect(pressed.status).toBe(200);
    await c.waitFor((e) => entry(e)?.event === 'dtmf' && entry(e)?.digit === '7');
    // The same waitFor entry again, now with its result.
    const matched = await c.waitFor((e) => e.event === 'timeline' && e.data.i === waiting.data.i && 'result' in e.data.entry);
    expect(matched.data.entry.result).toMatchObject({ status: 'match', digits: '7' });
    const tts = await c.waitFor((e) => entry(e)?.op === 'tts');
    expect(tts.data.entry.text).toBe('You pressed 7');
    await c.waitFor((e) => entry(e)?.op === 'waitForHangup');

    expect((await t.call('POST', `/api/v1/calls/${callId}/hangup`, a.key)).status).toBe(200);
    const end = await c.waitFor((e) => e.event === 'end');
    expect(end.data.ok).toBe(true);
    expect(end.data.callId).toBe(callId);
    expect(end.data.timeline).toEqual(expect.arrayContaining([expect.objectContaining({ event: 'hangup', by: 'caller' })]));
    expect(end.data.logs.map((l: { message: string }) => l.message)).toEqual(['answered for Ada', 'caller left']);
    await c.done;
    expect(c.isEnded()).toBe(true);
    // Over: gone.
    expect((await t.call('POST', `/api/v1/calls/${callId}/dtmf`, a.key, { digits: '1' })).status).toBe(404);
  });

  it('is 404 for another account’s script, and only for voice apps', async () => {
    expect((await t.call('POST', `/api/v1/scripts/${id}/call`, b.key, {})).status).toBe(404);
    expect((await t.call('POST', '/api/v1/scripts/scr_nope/call', a.key, {})).status).toBe(404);
    const s = await t.call('POST', '/api/v1/scripts', a.key, { name: 'sync', type: 'script', code: 'function main(d) { return d }' });
    const r = await t.call('POST', `/api/v1/scripts/${s.body.id}/call`, a.key, {});
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/voice script is an app/);
  });

  it('ends the call when the script hangs up, and when the watcher goes away', async () => {
    const hangs = await t.call('POST', '/api/v1/scripts', a.key, { name: 'bye', type: 'app', code: 'async function main(d, ctx) { await ctx.answer(); await ctx.tts("bye"); await ctx.hangup(); }' });
    const c = await startCall(a.key, hangs.body.id);
    const end = await c.waitFor((e) => e.event === 'end');
    expect(end.data.timeline.map((x: { op?: string; event?: string }) => x.op ?? x.event)).toEqual(['answer', 'tts', 'hangup', 'hangup']);

    const left = await startCall(a.key, id);
    const callId = (await left.waitFor((e) => e.event === 'call')).data.callId;
    await left.waitFor((e) => entry(e)?.op === 'waitFor');
    left.abort();
    // The caller hung up: the call is soon gone.
    await expect.poll(async () => (await t.call('POST', `/api/v1/calls/${callId}/hangup`, a.key)).status, { timeout: 10_000 }).toBe(404);
  });

  it(`allows ${MAX_LIVE_CALLS} live calls per account at once`, async () => {
    const calls = [];
    for (let i = 0; i < MAX_LIVE_CALLS; i++) {
      const c = await startCall(a.key, id);
      await c.waitFor((e) => e.event === 'call');
      calls.push(c);
    }
    const over = await t.call('POST', `/api/v1/scripts/${id}/call`, a.key, {});
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe('TOO_MANY_CALLS');
    // Another account has its own allowance.
    const theirs = await t.call('POST', '/api/v1/scripts', b.key, { name: 'x', type: 'app', code: 'async function main(d, ctx) { await ctx.answer(); await ctx.hangup(); }' });
    const other = await startCall(b.key, theirs.body.id);
    await other.waitFor((e) => e.event === 'end');
    for (const c of calls) {
      const callId = (await c.waitFor((e) => e.event === 'call')).data.callId;
      expect((await t.call('POST', `/api/v1/calls/${callId}/hangup`, a.key)).status).toBe(200);
      await c.waitFor((e) => e.event === 'end');
    }
  }, 30_000);
});
