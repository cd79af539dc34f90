/**
 * cxUserspace: per-account document areas (DNC lists live here).
 *
 * @example
 *   const userspace = require('cxUserspace');
 *   if (await userspace.read('dnc', data.routing.dest_number)) return Promise.reject([604, 'Number on DNC List']);
 */
import type { Store } from '../../store/index.js';
import { ModuleError, type ModuleHost } from '../host.js';

export const USERSPACE_LIMITS = { nameChars: 512, docBytes: 256 * 1024, bytesPerAccount: 256 * 1024 * 1024, listLimit: 1000 };

export const userspaceGuest = `
const call = (method, args) => host(method, args);
exports.create = (area, key, data) => call('create', [area, key, data]);
exports.read = (area, key) => call('read', [area, key]);
exports.update = (area, key, data) => call('update', [area, key, data]);
exports.delete = (area, key) => call('delete', [area, key]);
exports.list = (area, options) => call('list', [area, options || {}]);
`;

function name(v: unknown, what: string): string {
  if (typeof v !== 'string' || v === '') throw new ModuleError('UserspaceError', `The ${what} must be a non-empty string`);
  if (v.length > USERSPACE_LIMITS.nameChars) throw new ModuleError('UserspaceError', `The ${what} is longer than ${USERSPACE_LIMITS.nameChars} characters`);
  return v;
}

export function userspaceHost(store: Store, accountId: string): ModuleHost {
  async function doc(data: unknown): Promise<string> {
    const json = JSON.stringify(data ?? null);
    const bytes = Buffer.byteLength(json);
    if (bytes > USERSPACE_LIMITS.docBytes) throw new ModuleError('QuotaExceededError', `The document is ${bytes} bytes; the limit is ${USERSPACE_LIMITS.docBytes}`);
    const u = await store.docs.usage(accountId);
    if (u.bytes + bytes > USERSPACE_LIMITS.bytesPerAccount) throw new ModuleError('QuotaExceededError', `This account's documents would exceed ${USERSPACE_LIMITS.bytesPerAccount} bytes`);
    return json;
  }
  return {
    async create([area, key, data]) {
      const ok = await store.docs.create(accountId, name(area, 'area'), name(key, 'key'), await doc(data));
      if (!ok) throw new ModuleError('UserspaceError', `'${String(key)}' exists already in '${String(area)}': use update`);
      return true;
    },
    async read([area, key]) {
      const json = await store.docs.read(accountId, name(area, 'area'), name(key, 'key'));
      return json === null ? null : (JSON.parse(json) as unknown);
    },
    async update([area, key, data]) {
      const ok = await store.docs.update(accountId, name(area, 'area'), name(key, 'key'), await doc(data));
      if (!ok) throw new ModuleError('UserspaceError', `'${String(key)}' does not exist in '${String(area)}': use create`);
      return true;
    },
    async delete([area, key]) {
      return store.docs.delete(accountId, name(area, 'area'), name(key, 'key'));
    },
    async list([area, options]) {
      const o = (options ?? {}) as { prefix?: unknown; limit?: unknown };
      const prefix = typeof o.prefix === 'string' ? o.prefix : '';
      const limit = typeof o.limit === 'number' && o.limit > 0 ? Math.min(o.limit, USERSPACE_LIMITS.listLimit) : 100;
      const rows = await store.docs.list(accountId, name(area, 'area'), prefix, limit);
      return rows.map((r) => ({ key: r.key, data: JSON.parse(r.json) as unknown }));
    },
  };
}
