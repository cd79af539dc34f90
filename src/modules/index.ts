/**
 * The sandbox's platform modules: the guest source of each (the engine's registry, the whitelist)
 * and the host side that performs their operations for one account.
 */
import type { HostHandler, ModuleDefinition } from '../engine/index.js';
import type { AccountEgress, Store } from '../store/index.js';
import { fetchGuest, fetchHost } from './fetch/index.js';
import { ModuleError, type ModuleHost } from './host.js';
import { jobGuest, jobHost } from './job/index.js';
import { kvGuest, kvHost } from './kv/index.js';
import { LIBRARY_MODULES } from './libs/index.js';
import { PubSub, pubsubGuest } from './pubsub/index.js';
import { restConfigFromEnv, restGuest, restHost, type RestConfig } from './rest/index.js';
import { sendConfigFromEnv, sendGuest, sendHost, type SendConfig } from './send/index.js';
import { userspaceGuest, userspaceHost } from './userspace/index.js';

export { ModuleError } from './host.js';
export { parseAllowList } from './fetch/index.js';
export { PubSub } from './pubsub/index.js';
export { closeSendTransports } from './send/index.js';

export const MODULES: Record<string, ModuleDefinition> = {
  cxKV: { source: kvGuest },
  cxUserspace: { source: userspaceGuest },
  cxJob: { source: jobGuest },
  cxPubSub: { source: pubsubGuest },
  cxRest: { source: restGuest },
  cxSend: { source: sendGuest },
  fetch: { source: fetchGuest },
  ...LIBRARY_MODULES,
};

/** What operators configure for the modules, for every account. */
export interface ModuleConfig {
  /** Added to every account's egress allowlist (SCRIPTFORGE_EGRESS_ALLOW, comma-separated). */
  egressAllow?: string[];
  /** The platform REST API behind cxRest. */
  rest?: RestConfig;
  /** The SMTP server and SMS gateway behind cxSend. */
  send?: SendConfig;
}

/**
 * Operator configuration from the environment: SCRIPTFORGE_EGRESS_ALLOW, SCRIPTFORGE_REST_URL (with
 * _TOKEN or _USER/_PASSWORD), SCRIPTFORGE_SMTP_URL with SCRIPTFORGE_MAIL_FROM, SCRIPTFORGE_SMS_URL
 * (with _TOKEN, _FROM). Throws, naming the variable, when one is malformed.
 */
export function moduleConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ModuleConfig {
  const allow = (env.SCRIPTFORGE_EGRESS_ALLOW ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return { egressAllow: allow, rest: restConfigFromEnv(env), send: sendConfigFromEnv(env) };
}

export interface HostOptions {
  store: Store;
  accountId: string;
  /** The account's egress policy (fetch, axios). */
  egress?: AccountEgress;
  config?: ModuleConfig;
  /** The server's shared parts: the pub/sub bus and the job runner (cxJob needs one). */
  services?: ModuleServices;
  /** Milliseconds since the epoch: injectable so that TTLs can be tested without sleeping. */
  now?: () => number;
}

export interface ModuleServices {
  pubsub: PubSub;
  /** Told when a job is added. */
  jobs: { wake(): void };
}

/** Without a server (scriptforge run): a bus for the process; no job runner. */
const localPubSub = new PubSub();

/**
 * The host side of every module, for one execution of one account. dispose() ends what the
 * execution holds (its subscriptions) once it has finished.
 */
export function moduleHost(o: HostOptions): HostHandler & { dispose(): void } {
  const now = o.now ?? Date.now;
  const config = o.config ?? {};
  const cleanups: (() => void)[] = [];
  const hosts: Record<string, () => ModuleHost> = {
    cxJob: () => {
      const jobs = o.services?.jobs;
      if (!jobs) throw new ModuleError('JobError', 'cxJob runs jobs on the server (scriptforge serve): it is not available here');
      return jobHost({ store: o.store, accountId: o.accountId, now, wake: () => jobs.wake() });
    },
    cxRest: () => restHost({ accountId: o.accountId, config: config.rest }),
    cxSend: () => sendHost({ accountId: o.accountId, config: config.send ?? {} }),
    cxPubSub: () => {
      const session = (o.services?.pubsub ?? localPubSub).session(o.accountId);
      cleanups.push(session.close);
      return session.ops;
    },
    cxKV: () => kvHost(o.store, o.accountId, now),
    cxUserspace: () => userspaceHost(o.store, o.accountId),
    fetch: () => fetchHost({ accountId: o.accountId, egress: { ...o.egress, allow: [...(config.egressAllow ?? []), ...(o.egress?.allow ?? [])] } }),
  };
  const made = new Map<string, ModuleHost>();
  const handler = async (module: string, method: string, args: unknown[]) => {
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
  return Object.assign(handler, { dispose: () => cleanups.splice(0).forEach((c) => c()) });
}
