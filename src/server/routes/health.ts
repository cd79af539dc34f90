/** Liveness and Prometheus metrics. */
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../engine/index.js';
import type { Metrics } from '../metrics.js';

export function healthRoutes(app: FastifyInstance, deps: { engine: Engine; metrics: Metrics }): void {
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness: the engine answers' } }, async () => {
    const s = await deps.engine.stats();
    return { ok: true, workers: s.workers.length, restarts: s.restarts, queued: s.queued };
  });
  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics' } }, async (_req, reply) =>
    reply.type('text/plain; version=0.0.4').send(deps.metrics.render(deps.engine.restarts)),
  );
}
