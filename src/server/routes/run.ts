/**
 * Running a deployed script: JSON in, the engine's envelope plus an executionId out; with
 * `Accept: text/event-stream`, Server-Sent Events (each `log` as it happens, then `result` or
 * `error`). Also at the original platform's path, /api/cp/scriptforge/{id}/run[/{fn}].
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LogEntry } from '../../engine/index.js';
import type { Executor, StoredOutcome } from '../../executor/index.js';
import type { Auth } from '../auth.js';
import { notFound } from '../errors.js';
import { acceptRawJson, inputOf } from '../raw-json.js';

type Found = Extract<StoredOutcome, { found: true }>;

export function envelope(o: Found): Record<string, unknown> {
  const base = { executionId: o.executionId, logs: o.logs, cpuMs: o.cpuMs, wallMs: o.wallMs };
  return o.ok ? { ok: true, result: JSON.parse(o.resultJson ?? 'null') as unknown, ...base } : { ok: false, error: o.error, ...base };
}

export function runRoutes(app: FastifyInstance, deps: { auth: Auth; executor: Executor }): void {
  app.register(async (scope) => {
    acceptRawJson(scope);

    const handler = async (req: FastifyRequest<{ Params: { id: string; fn?: string } }>, reply: FastifyReply) => {
      const input = inputOf(req.body);
      const sse = /text\/event-stream/.test(String(req.headers.accept ?? ''));
      const run = (onLog?: (e: LogEntry) => void) =>
        deps.executor.run({ accountId: req.accountId, scriptId: req.params.id, fn: req.params.fn, input, trigger: 'api', onLog });
      if (!sse) {
        const o = await run();
        if (!o.found) throw notFound('script', req.params.id);
        // The engine shed this call (its queue is full, or it is shutting down): try again shortly.
        if (!o.ok && o.error?.code === 'OVERLOADED') return reply.code(503).header('retry-after', '1').send(envelope(o));
        return reply.code(200).send(envelope(o));
      }
      // Streamed: the status line goes out with the first event, so an unknown script is still a 404.
      let started = false;
      const start = () => {
        if (started) return;
        started = true;
        reply.hijack();
        reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      };
      const event = (name: string, data: unknown) => reply.raw.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
      const o = await run((e) => {
        start();
        event('log', e);
      });
      if (!o.found) {
        if (!started) throw notFound('script', req.params.id);
        event('error', { ok: false, error: { code: 'NOT_FOUND', message: 'script not found' } });
      } else {
        start();
        event(o.ok ? 'result' : 'error', envelope(o));
      }
      reply.raw.end();
    };

    const params = { type: 'object', properties: { id: { type: 'string' }, fn: { type: 'string', pattern: '^[A-Za-z_$][\\w$]*$' } } } as const;
    const opts = {
      preHandler: deps.auth.requireAccount,
      schema: {
        tags: ['run'],
        summary: 'Run the deployed version; the body is the data argument',
        description: 'With Accept: text/event-stream, streams `log` events as they happen, then one `result` or `error` event.',
        params,
      },
    };
    for (const path of ['/api/v1/scripts/:id/run', '/api/v1/scripts/:id/run/:fn', '/api/cp/scriptforge/:id/run', '/api/cp/scriptforge/:id/run/:fn']) {
      scope.post<{ Params: { id: string; fn?: string } }>(path, opts, handler);
    }
  });
}
