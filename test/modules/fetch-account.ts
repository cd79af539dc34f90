/** A fresh account's host handler for `fetch` under an egress policy (fresh, so rate limits do not carry over). */
import type { HostHandler } from '../../src/engine/index.js';
import { fetchHost, type EgressOptions, type RateLimiter } from '../../src/modules/fetch/index.js';

let accounts = 0;

export function fetchAccount(egress: EgressOptions = {}, more: { now?: () => number; limiter?: RateLimiter } = {}): { tenant: string; host: HostHandler } {
  const accountId = `acct-fetch-${++accounts}`;
  const h = fetchHost({ accountId, egress, ...more });
  return {
    tenant: accountId,
    host: async (module, method, args) => {
      if (module !== 'fetch' || !Object.prototype.hasOwnProperty.call(h, method)) throw new Error(`no ${module}.${method}`);
      return h[method](args);
    },
  };
}
