/**
 * API keys: `Authorization: Bearer <key>`. Keys are stored as SHA-256 hashes only. An account key
 * reaches that account's data; the operator key manages accounts.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../store/index.js';
import { HttpError } from './errors.js';

export function newApiKey(): string {
  return `sf_${randomBytes(24).toString('base64url')}`;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A key's public name, from its hash: `key:` and 10 hex digits. It says who saved a version. */
export function keyId(hash: string): string {
  return `key:${hash.slice(0, 10)}`;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The account the request's key belongs to (set by requireAccount). */
    accountId: string;
    /** The key's fingerprint, `key:` and the first 10 hex digits of its hash: who did it (set by requireAccount). */
    keyId: string;
  }
}

export interface Auth {
  requireAccount(req: FastifyRequest, reply: FastifyReply): Promise<void>;
  requireOperator(req: FastifyRequest, reply: FastifyReply): Promise<void>;
}

export function makeAuth(store: Store): Auth {
  // Known keys by the Authorization header as sent: a request with a key seen before costs one
  // lookup, no hashing (the routing endpoint takes thousands a second). Unknown keys are not kept.
  const cache = new Map<string, { accountId: string | null; keyId: string }>();
  async function who(req: FastifyRequest): Promise<{ accountId: string | null; keyId: string }> {
    const h = req.headers.authorization;
    const known = typeof h === 'string' ? cache.get(h) : undefined;
    if (known) return known;
    const m = typeof h === 'string' ? /^Bearer\s+(\S+)$/i.exec(h) : null;
    if (!m) throw new HttpError(401, 'UNAUTHORIZED', 'Missing API key: send Authorization: Bearer <key>');
    const hash = hashKey(m[1]);
    const found = await store.findApiKey(hash);
    if (!found) throw new HttpError(401, 'UNAUTHORIZED', 'Unknown API key');
    const k = { accountId: found.accountId, keyId: keyId(hash) };
    cache.set(h!, k);
    if (cache.size > 10_000) cache.delete(cache.keys().next().value as string);
    return k;
  }
  return {
    async requireAccount(req) {
      const k = await who(req);
      if (k.accountId === null) throw new HttpError(403, 'FORBIDDEN', 'The operator key manages accounts; use an account key for this');
      req.accountId = k.accountId;
      req.keyId = k.keyId;
    },
    async requireOperator(req) {
      const k = await who(req);
      if (k.accountId !== null) throw new HttpError(403, 'FORBIDDEN', 'This needs the operator key');
    },
  };
}

/**
 * The operator key: SCRIPTFORGE_ADMIN_KEY when set, else one made on first start and printed once.
 * Returns the key when it was just made (so the caller can print it), else null.
 */
export async function ensureOperatorKey(store: Store, fromEnv: string | undefined): Promise<string | null> {
  if (fromEnv) {
    const hash = hashKey(fromEnv);
    const k = await store.findApiKey(hash);
    if (!k) await store.addApiKey(null, hash);
    else if (k.accountId !== null) throw new Error('SCRIPTFORGE_ADMIN_KEY is already an account key');
    return null;
  }
  if (await store.hasOperatorKey()) return null;
  const key = newApiKey();
  await store.addApiKey(null, hashKey(key));
  return key;
}
