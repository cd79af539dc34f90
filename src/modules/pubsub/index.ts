/**
 * cxPubSub: publish/subscribe between the running executions of one account (the embedded
 * deployment: one process, one bus). A subscriber is a live execution: `subscribe(topic, fn)` calls
 * `fn(data, topic)` for each message published while the subscribing execution is still running;
 * its subscriptions end with it. Messages are not stored: to hand work to a script that is not
 * running, use cxJob.
 *
 * @example
 *   // app A: wait (up to its wall-time limit) for the PIN check of another execution
 *   const { subscribe } = require('cxPubSub');
 *   const verdict = await new Promise((resolve) => subscribe('pin:' + data.callId, resolve));
 *   // app B
 *   await require('cxPubSub').publish('pin:' + data.callId, { ok: true });
 */
import { ModuleError, type ModuleHost } from '../host.js';

export const PUBSUB_LIMITS = { topicChars: 256, messageBytes: 64 * 1024, subscriptionsPerExecution: 10, queuedPerSubscription: 100 };

export const pubsubGuest = `
exports.publish = (topic, data) => host('publish', [topic, data === undefined ? null : data]);
exports.subscribe = async (topic, fn) => {
  if (typeof fn !== 'function') throw new TypeError('cxPubSub.subscribe(topic, fn): fn must be a function, called with (data, topic)');
  const id = await host('subscribe', [topic]);
  let active = true;
  (async () => {
    while (active) {
      const m = await host('next', [id]);
      if (m === null || !active) return;
      try { await fn(m.data, m.topic); } catch (e) { console.error('cxPubSub subscriber of ' + JSON.stringify(m.topic) + ' threw: ' + (e && e.stack || e)); }
    }
  })();
  return { topic, unsubscribe() { active = false; return host('unsubscribe', [id]); } };
};
`;

interface Message {
  topic: string;
  data: unknown;
}

/** One subscription: messages wait in `queue` until the guest asks for the next one. */
interface Subscription {
  key: string;
  queue: Message[];
  waiter: ((m: Message | null) => void) | null;
}

/** The bus: subscriptions by account and topic. One per server. */
export class PubSub {
  readonly #topics = new Map<string, Set<Subscription>>();

  /** Hands `data` to every live subscription of the account's topic; returns how many. */
  publish(accountId: string, topic: string, data: unknown): number {
    const subs = this.#topics.get(key(accountId, topic));
    if (!subs) return 0;
    for (const s of subs) deliver(s, { topic, data });
    return subs.size;
  }

  /** The operations of one execution; close() ends its subscriptions. */
  session(accountId: string): { ops: ModuleHost; close(): void } {
    const mine = new Map<string, Subscription>();
    let seq = 0;
    const end = (id: string) => {
      const s = mine.get(id);
      if (!s) return false;
      mine.delete(id);
      const set = this.#topics.get(s.key);
      set?.delete(s);
      if (set?.size === 0) this.#topics.delete(s.key);
      s.waiter?.(null);
      s.waiter = null;
      return true;
    };
    const ops: ModuleHost = {
      publish: async ([topic, data]) => {
        const json = JSON.stringify(data ?? null);
        if (Buffer.byteLength(json) > PUBSUB_LIMITS.messageBytes) {
          throw new ModuleError('PubSubError', `The message is larger than ${PUBSUB_LIMITS.messageBytes} bytes`);
        }
        // Each subscriber gets its own copy.
        return { delivered: this.publish(accountId, checkTopic(topic), JSON.parse(json) as unknown) };
      },
      subscribe: async ([topic]) => {
        const t = checkTopic(topic);
        if (mine.size >= PUBSUB_LIMITS.subscriptionsPerExecution) {
          throw new ModuleError('PubSubError', `At most ${PUBSUB_LIMITS.subscriptionsPerExecution} subscriptions per execution`);
        }
        const id = `s${++seq}`;
        const s: Subscription = { key: key(accountId, t), queue: [], waiter: null };
        mine.set(id, s);
        let set = this.#topics.get(s.key);
        if (!set) this.#topics.set(s.key, (set = new Set()));
        set.add(s);
        return id;
      },
      next: ([id]) => {
        const s = mine.get(String(id));
        if (!s) return Promise.resolve(null);
        const m = s.queue.shift();
        if (m) return Promise.resolve(m);
        if (s.waiter) throw new ModuleError('PubSubError', 'Already waiting on this subscription');
        return new Promise((resolve) => (s.waiter = resolve));
      },
      unsubscribe: async ([id]) => end(String(id)),
    };
    return { ops, close: () => [...mine.keys()].forEach(end) };
  }
}

function key(accountId: string, topic: string): string {
  return `${accountId}\0${topic}`;
}

function deliver(s: Subscription, m: Message): void {
  if (s.waiter) {
    const w = s.waiter;
    s.waiter = null;
    w(m);
    return;
  }
  if (s.queue.length >= PUBSUB_LIMITS.queuedPerSubscription) {
    s.queue.shift(); // a subscriber that does not keep up loses the oldest
  }
  s.queue.push(m);
}

function checkTopic(t: unknown): string {
  if (typeof t !== 'string' || t === '') throw new ModuleError('PubSubError', 'The topic must be a non-empty string');
  if (t.length > PUBSUB_LIMITS.topicChars) throw new ModuleError('PubSubError', `The topic is longer than ${PUBSUB_LIMITS.topicChars} characters`);
  return t;
}
