/** Accounts and their API keys: the operator's business. */
import type { FastifyInstance } from 'fastify';
import { parseAllowList } from '../../modules/index.js';
import type { AccountEgress, Store } from '../../store/index.js';
import { hashKey, keyId, newApiKey, type Auth } from '../auth.js';
import { badRequest, notFound } from '../errors.js';

const egress = {
  type: 'object',
  additionalProperties: false,
  properties: {
    allow: { type: 'array', maxItems: 1000, items: { type: 'string', minLength: 1, maxLength: 300 }, description: "Exceptions to the refused ranges: addresses, CIDRs ('10.1.0.0/16', '::1/128') or host names ('api.corp', '*.corp')" },
    publicInternet: { type: 'boolean', description: 'Whether public addresses are reachable (default true)' },
    timeoutMs: { type: 'integer', minimum: 100, maximum: 120_000 },
    maxResponseBytes: { type: 'integer', minimum: 1024, maximum: 100 * 1024 * 1024 },
    ratePerSecond: { type: 'number', exclusiveMinimum: 0, maximum: 10_000 },
    burst: { type: 'integer', minimum: 1, maximum: 100_000 },
    maxRedirects: { type: 'integer', minimum: 0, maximum: 20 },
  },
} as const;

const account = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' }, createdAt: { type: 'string' }, apiKey: { type: 'string' }, keyId: { type: 'string' }, egress },
} as const;

export function accountRoutes(app: FastifyInstance, deps: { store: Store; auth: Auth; onEgressChange: (accountId: string) => void }): void {
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
      return reply.code(201).send({ ...a, apiKey, keyId: keyId(hashKey(apiKey)) });
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
      return reply.code(201).send({ accountId: req.params.id, apiKey, keyId: keyId(hashKey(apiKey)) });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/accounts/:id/egress',
    { preHandler: auth.requireOperator, schema: { tags: ['accounts'], summary: "An account's egress policy", params: { type: 'object', properties: { id: { type: 'string' } } }, response: { 200: egress } } },
    async (req) => {
      const a = await store.getAccount(req.params.id);
      if (!a) throw notFound('account', req.params.id);
      return a.egress;
    },
  );

  app.put<{ Params: { id: string }; Body: AccountEgress }>(
    '/api/v1/accounts/:id/egress',
    {
      preHandler: auth.requireOperator,
      schema: {
        tags: ['accounts'],
        summary: "Set an account's egress policy: where its scripts' fetch, axios and cxRest may connect",
        description: 'Loopback, private, link-local, unique-local and cloud-metadata addresses are refused unless allowed here.',
        params: { type: 'object', properties: { id: { type: 'string' } } },
        body: egress,
        response: { 200: egress },
      },
    },
    async (req) => {
      try {
        parseAllowList(req.body.allow ?? []);
      } catch (err) {
        throw badRequest(`body.allow: ${(err as Error).message}`, 'body.allow');
      }
      const a = await store.setAccountEgress(req.params.id, req.body);
      if (!a) throw notFound('account', req.params.id);
      deps.onEgressChange(a.id);
      return a.egress;
    },
  );
}
