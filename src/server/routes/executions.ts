/** The record of every execution: outcome, timing and logs. */
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/index.js';
import type { Auth } from '../auth.js';
import { notFound } from '../errors.js';

export function executionRoutes(app: FastifyInstance, deps: { store: Store; auth: Auth }): void {
  const { store, auth } = deps;
  app.get<{ Querystring: { scriptId?: string; limit: number } }>(
    '/api/v1/executions',
    {
      preHandler: auth.requireAccount,
      schema: {
        tags: ['executions'],
        summary: 'Recent executions, newest first',
        querystring: { type: 'object', additionalProperties: false, properties: { scriptId: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } } },
      },
    },
    async (req) => store.listExecutions(req.accountId, { scriptId: req.query.scriptId, limit: req.query.limit }),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/executions/:id',
    { preHandler: auth.requireAccount, schema: { tags: ['executions'], summary: 'One execution, with its logs and result', params: { type: 'object', properties: { id: { type: 'string' } } } } },
    async (req) => {
      const e = await store.getExecution(req.accountId, req.params.id);
      if (!e) throw notFound('execution', req.params.id);
      const { resultJson, ...rest } = e;
      return { ...rest, result: resultJson === null ? null : (JSON.parse(resultJson) as unknown) };
    },
  );
}
