/** Accounts and their API keys: the operator's business. */
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/index.js';
import { hashKey, newApiKey, type Auth } from '../auth.js';
import { notFound } from '../errors.js';

const account = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' }, createdAt: { type: 'string' }, apiKey: { type: 'string' } },
} as const;

export function accountRoutes(app: FastifyInstance, deps: { store: Store; auth: Auth }): void {
  const { store, auth } = deps;
  app.post<{ Body: { name: string } }>(
    '/api/v1/accounts',
    {
      preHandler: auth.requireOperator,
      schema: {
        tags: ['accounts'],
        summary: 'Create an account and its first API key (shown once)',
        body: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1, maxLength: 200 } } },
        response: { 201: account },
      },
    },
    async (req, reply) => {
      const a = await store.createAccount(req.body.name);
      const apiKey = newApiKey();
      await store.addApiKey(a.id, hashKey(apiKey));
      return reply.code(201).send({ ...a, apiKey });
    },
  );

  app.get('/api/v1/accounts', { preHandler: auth.requireOperator, schema: { tags: ['accounts'], response: { 200: { type: 'array', items: account } } } }, async () =>
    store.listAccounts(),
  );

  app.post<{ Params: { id: string } }>(
    '/api/v1/accounts/:id/keys',
    { preHandler: auth.requireOperator, schema: { tags: ['accounts'], summary: 'Create another API key for an account', params: { type: 'object', properties: { id: { type: 'string' } } } } },
    async (req, reply) => {
      if (!(await store.getAccount(req.params.id))) throw notFound('account', req.params.id);
      const apiKey = newApiKey();
      await store.addApiKey(req.params.id, hashKey(apiKey));
      return reply.code(201).send({ accountId: req.params.id, apiKey });
    },
  );
}
