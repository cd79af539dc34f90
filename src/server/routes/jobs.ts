/** cxJob's background jobs, as the account sees them: status, attempts, result or error. */
import type { FastifyInstance } from 'fastify';
import type { Job, JobStatus, Store } from '../../store/index.js';
import type { Auth } from '../auth.js';
import { notFound } from '../errors.js';

function view(j: Job) {
  const { dataJson, resultJson, accountId: _, ...rest } = j;
  return { ...rest, data: JSON.parse(dataJson) as unknown, result: resultJson === null ? null : (JSON.parse(resultJson) as unknown) };
}

export function jobRoutes(app: FastifyInstance, deps: { store: Store; auth: Auth }): void {
  const { store, auth } = deps;
  app.get<{ Querystring: { status?: JobStatus; limit: number } }>(
    '/api/v1/jobs',
    {
      preHandler: auth.requireAccount,
      schema: {
        tags: ['jobs'],
        summary: 'Background jobs (cxJob), newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { status: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed'] }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
        },
      },
    },
    async (req) => (await store.jobs.list(req.accountId, { status: req.query.status, limit: req.query.limit })).map(view),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/jobs/:id',
    { preHandler: auth.requireAccount, schema: { tags: ['jobs'], summary: 'One job; its runs are executions with trigger "job"', params: { type: 'object', properties: { id: { type: 'string' } } } } },
    async (req) => {
      const j = await store.jobs.get(req.accountId, req.params.id);
      if (!j) throw notFound('job', req.params.id);
      return view(j);
    },
  );
}
