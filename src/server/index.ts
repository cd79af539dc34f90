/**
 * The ScriptForge server: one process, the embedded SQLite store, the engine's worker pool, and the
 * HTTP API. `startServer` is what `scriptforge serve` (and `npm start`) runs.
 */
import pino from 'pino';
import { Engine } from '../engine/index.js';
import { MODULES, closeSendTransports, moduleConfigFromEnv, type ModuleConfig } from '../modules/index.js';
import { openStore } from '../store/index.js';
import { buildApp, type App } from './app.js';
import { ensureOperatorKey } from './auth.js';
import { startSipService, type SipService } from './sip.js';
import { parseListen } from '../voice/sip/index.js';

export { buildApp, type App, type AppDeps } from './app.js';

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  adminKey?: string;
  workers?: number;
  /** Operator configuration of the sandbox's modules (see moduleConfigFromEnv). */
  modules?: ModuleConfig;
  /** `host:port` where the SIP user agent listens (UDP) for voice calls; none by default. */
  sipListen?: string;
}

/** Configuration from the environment: PORT, HOST, SCRIPTFORGE_DATA_DIR, SCRIPTFORGE_ADMIN_KEY, SCRIPTFORGE_WORKERS, SCRIPTFORGE_SIP_LISTEN, and the modules' (moduleConfigFromEnv). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const port = Number(env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not '${env.PORT}'`);
  const workers = env.SCRIPTFORGE_WORKERS ? Number(env.SCRIPTFORGE_WORKERS) : undefined;
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1)) throw new Error(`SCRIPTFORGE_WORKERS must be a positive integer`);
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    dataDir: env.SCRIPTFORGE_DATA_DIR ?? './data',
    adminKey: env.SCRIPTFORGE_ADMIN_KEY || undefined,
    workers,
    modules: moduleConfigFromEnv(env),
    sipListen: env.SCRIPTFORGE_SIP_LISTEN ? (parseListen(env.SCRIPTFORGE_SIP_LISTEN), env.SCRIPTFORGE_SIP_LISTEN) : undefined,
  };
}

export interface RunningServer extends App {
  url: string;
  /** The SIP service, when sipListen was given. */
  sip?: SipService;
  close(): Promise<void>;
}

export async function startServer(cfg: ServerConfig): Promise<RunningServer> {
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });
  const store = openStore({ dataDir: cfg.dataDir });
  const engine = new Engine({ workers: cfg.workers, logger, modules: MODULES });
  await engine.start();
  const made = await ensureOperatorKey(store, cfg.adminKey);
  if (made) {
    // Shown once: only its hash is stored.
    process.stdout.write(`\nOperator key (shown once, keep it safe; it creates accounts):\n\n  ${made}\n\n`);
  }
  const app = await buildApp({ store, engine, logger, modules: cfg.modules, dataDir: cfg.dataDir });
  const url = await app.app.listen({ port: cfg.port, host: cfg.host });
  const sip = cfg.sipListen
    ? await startSipService({ ...parseListen(cfg.sipListen), store, executor: app.executor, dataDir: cfg.dataDir, log: app.app.log })
    : undefined;
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      await sip?.close(); // calls hung up (BYE), their scripts finished and recorded
      await app.app.close(); // stops accepting, waits for requests in flight (their executions finish)
      await engine.close();
      await store.close();
      closeSendTransports();
    })());
  return { ...app, url, ...(sip ? { sip } : {}), close };
}
