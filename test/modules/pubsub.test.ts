// cxPubSub through the real server: executions of one account talk over topics; other accounts
// never hear them; a subscription ends with its execution.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../server-helpers.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ workers: 2 });
});
afterAll(async () => {
  await t.close();
});

async function script(key: string, code: string): Promise<string> {
  const r = await t.call('POST', '/api/v1/scripts', key, { name: 'pubsub', type: 'app', code });
  expect(r.status, r.text).toBe(201);
  return r.body.id as string;
}
const run = async (key: string, id: string, data?: unknown) => (await t.call('POST', `/api/v1/scripts/${id}/run`, key, data)).body;

const WAITER = `
import { subscribe } from 'cxPubSub';
export async function main(data) {
  const got = [];
  await new Promise((resolve) => {
    subscribe(data.topic, (msg, topic) => {
      got.push({ topic, msg });
      if (msg.last) resolve();
    });
  });
  return got;
}`;
const PUBLISHER = `
const pubsub = require('cxPubSub');
async function main(data) {
  const out = [];
  for (const m of data.messages) out.push((await pubsub.publish(data.topic, m)).delivered);
  return out;
}`;

/** Publishes until someone is listening (the waiter subscribes a moment after it starts). */
async function publishWhenHeard(key: string, publisher: string, topic: string, messages: unknown[]) {
  for (let i = 0; i < 100; i++) {
    const probe = await run(key, publisher, { topic: `${topic}`, messages: [{ probe: i }] });
    if (probe.result[0] > 0) return run(key, publisher, { topic, messages });
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('nobody subscribed');
}

describe('cxPubSub', () => {
  it("delivers an account's messages to its running subscribers, and to no other account", async () => {
    const acme = await t.account('acme');
    const evil = await t.account('evil');
    const waiter = await script(acme.key, WAITER);
    const acmePub = await script(acme.key, PUBLISHER);
    const evilPub = await script(evil.key, PUBLISHER);

    const waiting = run(acme.key, waiter, { topic: 'pin:call-1' });
    const heard = await publishWhenHeard(acme.key, acmePub, 'pin:call-1', [{ pin: '1234' }]);
    expect(heard).toMatchObject({ ok: true, result: [1] });
    // Same topic name, other account: nobody hears it.
    expect(await run(evil.key, evilPub, { topic: 'pin:call-1', messages: [{ pin: '0000', last: true }] })).toMatchObject({ ok: true, result: [0] });
    expect(await run(acme.key, acmePub, { topic: 'pin:call-1', messages: [{ ok: true, last: true }] })).toMatchObject({ ok: true, result: [1] });

    const got = await waiting;
    expect(got.ok, JSON.stringify(got)).toBe(true);
    const real = got.result.filter((g: { msg: { probe?: number } }) => g.msg.probe === undefined);
    expect(real).toEqual([
      { topic: 'pin:call-1', msg: { pin: '1234' } },
      { topic: 'pin:call-1', msg: { ok: true, last: true } },
    ]);
  });

  it('ends a subscription with its execution, or on unsubscribe()', async () => {
    const a = await t.account('ends');
    const once = await script(a.key, `
      const { subscribe, publish } = require('cxPubSub');
      async function main() {
        const got = [];
        const sub = await subscribe('news', (m) => got.push(m));
        await publish('news', 1);
        await new Promise((r) => setTimeout(r, 20));
        await sub.unsubscribe();
        const after = await publish('news', 2);
        return { got, after: after.delivered };
      }`);
    expect(await run(a.key, once)).toMatchObject({ ok: true, result: { got: [1], after: 0 } });
    // The execution above has ended: its subscription is gone, so nobody hears this.
    const pub = await script(a.key, PUBLISHER);
    expect(await run(a.key, pub, { topic: 'news', messages: [3] })).toMatchObject({ ok: true, result: [0] });
  });

  it('says clearly what is wrong', async () => {
    const a = await t.account('errors');
    const bad = await script(a.key, `
      const ps = require('cxPubSub');
      async function main() {
        const out = [];
        for (const f of [() => ps.subscribe('t'), () => ps.publish('', 1), () => ps.publish('t', 'x'.repeat(70000))]) {
          try { await f(); out.push('ok') } catch (e) { out.push(e.name + ': ' + e.message) }
        }
        return out;
      }`);
    expect((await run(a.key, bad)).result).toEqual([
      'TypeError: cxPubSub.subscribe(topic, fn): fn must be a function, called with (data, topic)',
      'PubSubError: The topic must be a non-empty string',
      'PubSubError: The message is larger than 65536 bytes',
    ]);
  });
});
