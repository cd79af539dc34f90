/**
 * cxKV: per-account key/value data. `kv` holds strings, `ko` JSON objects, `incr` is an atomic
 * counter on the same keys (so `kv.get` of a counter is its number as a string).
 *
 * @example
 *   const { kv, incr } = require('cxKV');
 *   if (Number(await kv.get('velocity:' + id)) >= 5) throw new Error('603 Blocked');
 *   await incr('velocity:' + id, 1, 60);
 */
import type { Store } from '../../store/index.js';
import { ModuleError, type ModuleHost } from '../host.js';

export const KV_LIMITS = { keyChars: 512, valueBytes: 64 * 1024, keysPerAccount: 100_000 };

/** The guest side: runs inside the sandbox; `host(method, args)` reaches the handler below. */
export const kvGuest = `
const call = (method, args) => host(method, args);
exports.kv = {
  get: (key) => call('get', [key]),
  set: (key, value, ttlSeconds) => call('set', [key, value, ttlSeconds]),
  delete: (key) => call('delete', [key]),
};
exports.ko = {
  get: (key) => call('koGet', [key]),
  set: (key, value, ttlSeconds) => call('koSet', [key, value, ttlSeconds]),
  delete: (key) => call('delete', [key]),
};
exports.incr = (key, by = 1, expireSeconds = 0) => call('incr', [key, by, expireSeconds]);
exports.keys = (prefix = '') => call('keys', [prefix]);
exports.usage = () => call('usage', []);
`;

function key(k: unknown): string {
  if (typeof k !== 'string' || k === '') throw new ModuleError('KvError', 'The key must be a non-empty string');
  if (k.length > KV_LIMITS.keyChars) throw new ModuleError('KvError', `The key is ${k.length} characters; the limit is ${KV_LIMITS.keyChars}`);
  return k;
}
function seconds(v: unknown, what: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ModuleError('KvError', `${what} must be a number of seconds, not ${JSON.stringify(v)}`);
  return v;
}

export function kvHost(store: Store, accountId: string, now: () => number): ModuleHost {
  async function room(k: string, bytes: number): Promise<void> {
    if (bytes > KV_LIMITS.valueBytes) throw new ModuleError('QuotaExceededError', `The value is ${bytes} bytes; the limit is ${KV_LIMITS.valueBytes}`);
    if ((await store.kv.get(accountId, k, now())) !== null) return;
    const u = await store.kv.usage(accountId, now());
    if (u.keys >= KV_LIMITS.keysPerAccount) throw new ModuleError('QuotaExceededError', `This account has ${u.keys} keys, the most it may keep`);
  }
  return {
    async get([k]) {
      const v = await store.kv.get(accountId, key(k), now());
      return v === null ? null : v.value;
    },
    async koGet([k]) {
      const v = await store.kv.get(accountId, key(k), now());
      return v === null ? null : (JSON.parse(v.value) as unknown);
    },
    async set([k, value, ttl]) {
      if (value !== null && typeof value === 'object') throw new ModuleError('KvError', 'kv.set stores strings: use ko.set for objects');
      const text = String(value);
      await room(key(k), Buffer.byteLength(text));
      await store.kv.set(accountId, k as string, text, false, seconds(ttl, 'The TTL'), now());
      return true;
    },
    async koSet([k, value, ttl]) {
      const text = JSON.stringify(value ?? null);
      await room(key(k), Buffer.byteLength(text));
      await store.kv.set(accountId, k as string, text, true, seconds(ttl, 'The TTL'), now());
      return true;
    },
    async delete([k]) {
      return store.kv.delete(accountId, key(k));
    },
    async incr([k, by, expire]) {
      const n = by === undefined ? 1 : by;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw new ModuleError('KvError', `incr needs a number to add, not ${JSON.stringify(by)}`);
      await room(key(k), 24);
      return store.kv.incr(accountId, k as string, n, seconds(expire, 'The expiry'), now());
    },
    async keys([prefix]) {
      return store.kv.keys(accountId, typeof prefix === 'string' ? prefix : '', now(), 10_000);
    },
    async usage() {
      return store.kv.usage(accountId, now());
    },
  };
}
