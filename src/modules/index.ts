/**
 * The sandbox's platform modules: the guest source of each (the engine's registry, the whitelist)
 * and the host side that performs their operations for one account.
 */
import type { HostHandler, ModuleDefinition } from '../engine/index.js';
import type { Store } from '../store/index.js';
import { ModuleError, type ModuleHost } from './host.js';
import { kvGuest, kvHost } from './kv/index.js';
import { LIBRARY_MODULES } from './libs/index.js';
import { userspaceGuest, userspaceHost } from './userspace/index.js';

export { ModuleError } from './host.js';

export const MODULES: Record<string, ModuleDefinition> = {
  cxKV: { source: kvGuest },
  cxUserspace: { source: userspaceGuest },
  ...LIBRARY_MODULES,
};

export interface HostOptions {
  store: Store;
  accountId: string;
  /** Milliseconds since the epoch: injectable so that TTLs can be tested without sleeping. */
  now?: () => number;
}

/** The host side of every module, for one account. */
export function moduleHost(o: HostOptions): HostHandler {
  const now = o.now ?? Date.now;
  const hosts: Record<string, () => ModuleHost> = {
    cxKV: () => kvHost(o.store, o.accountId, now),
    cxUserspace: () => userspaceHost(o.store, o.accountId),
  };
  const made = new Map<string, ModuleHost>();
  return async (module, method, args) => {
    let h = made.get(module);
    if (!h) {
      const make = Object.prototype.hasOwnProperty.call(hosts, module) ? hosts[module] : undefined;
      if (!make) throw new ModuleError('ModuleError', `No module '${module}'`);
      h = make();
      made.set(module, h);
    }
    const op = Object.prototype.hasOwnProperty.call(h, method) ? h[method] : undefined;
    if (!op) throw new ModuleError('ModuleError', `${module} has no operation '${method}'`);
    return op(args);
  };
}
