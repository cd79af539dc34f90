/** The Fastify application: every resource is one route file; validation and OpenAPI share the schemas. */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Engine } from '../engine/index.js';
import { Executor } from '../executor/index.js';
import { Router } from '../routing/index.js';
import { PubSub, type ModuleConfig } from '../modules/index.js';
import type { Store } from '../store/index.js';
import { makeAuth } from './auth.js';
import { installErrorHandler } from './errors.js';
import { Metrics } from './metrics.js';
import { JobRunner, Scheduler, type JobRunnerOptions } from '../schedule/index.js';
import { accountRoutes } from './routes/accounts.js';
import { driverRoutes } from './routes/drivers.js';
import { formRoutes } from './routes/forms.js';
import { executionRoutes } from './routes/executions.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { routingRoutes } from './routes/routing.js';
import { simulateRoutes } from './routes/simulate.js';
import { voiceRoutes } from './routes/voice.js';
import { audioRoutes } from './routes/audio.js';
import { runRoutes } from './routes/run.js';
import { scheduleRoutes } from './routes/schedules.js';
import { scriptRoutes } from './routes/scripts.js';

export interface AppDeps {
  store: Store;
  engine: Engine;
  /** A pino logger; none by default. */
  logger?: FastifyBaseLogger;
  /** Largest request body, bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Operator configuration of the sandbox's modules (SMTP, SMS, REST API, egress). */
  modules?: ModuleConfig;
  /** The data folder (uploaded audio and recordings are files under it); default ./data. */
  dataDir?: string;
  /** How cxJob's runner polls and how many jobs it runs at once. */
  jobs?: JobRunnerOptions;
}

export interface App {
  app: FastifyInstance;
  executor: Executor;
  metrics: Metrics;
  scheduler: Scheduler;
  jobs: JobRunner;
}

export async function buildApp(deps: AppDeps): Promise<App> {
  const app = Fastify({ ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }), bodyLimit: deps.bodyLimit ?? 1024 * 1024, ajv: { customOptions: { allErrors: false, removeAdditional: false, coerceTypes: 'array' } } });
  const metrics = new Metrics();
  // The job runner needs the executor, whose modules wake the runner: bound once both exist.
  let jobs: JobRunner | undefined;
  const executor = new Executor(deps.store, deps.engine, {
    onFinished: (trigger, outcome, wallMs) => metrics.observe(trigger, outcome, wallMs),
    modules: deps.modules,
    services: { pubsub: new PubSub(), jobs: { wake: () => jobs?.wake() } },
  });
  const auth = makeAuth(deps.store);

  installErrorHandler(app);
  // Shutting down: answers in flight still go out, then their keep-alive connections close, so that
  // close() does not wait on clients that keep idle connections open.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'ScriptForge API', version: '1', description: 'Run customer JavaScript in a secure sandbox.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  accountRoutes(app, { store: deps.store, auth, onEgressChange: (id) => executor.forgetAccount(id) });
  const scheduler = new Scheduler(deps.store, executor, app.log);
  jobs = new JobRunner(deps.store, executor, app.log, deps.jobs);
  scriptRoutes(app, { store: deps.store, auth, engine: deps.engine, onChange: (id) => {
      executor.forget(id);
      void scheduler.scriptChanged(id);
    } });
  runRoutes(app, { auth, executor });
  executionRoutes(app, { store: deps.store, auth });
  healthRoutes(app, { engine: deps.engine, metrics });
  formRoutes(app, { auth, executor });
  driverRoutes(app, { auth, executor });
  scheduleRoutes(app, { store: deps.store, auth, scheduler });
  jobRoutes(app, { store: deps.store, auth });
  voiceRoutes(app, { auth, store: deps.store }); // numbers answered by the SIP user agent (../sip.ts), calls
  audioRoutes(app, { auth, dataDir: deps.dataDir ?? './data' }); // uploaded audio and recordings
  routingRoutes(app, { auth, store: deps.store, router: new Router(deps.store, executor) });
  simulateRoutes(app, { auth, executor, dataDir: deps.dataDir ?? './data' }); // live simulated calls (the IDE's Call tab)
  await app.register(import('./routes/web.js')); // the web IDE at /, from dist/web
  const runner = jobs;
  app.addHook('onReady', async () => {
    await scheduler.start();
    await runner.start();
  });
  app.addHook('onClose', async () => {
    await scheduler.stop();
    await runner.stop();
  });
  return { app, executor, metrics, scheduler, jobs: runner };
}
