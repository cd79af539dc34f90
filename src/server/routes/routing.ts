/**
 * Class 4 routing, as a softswitch calls it per call (PRODUCT.md §6.1): the call's data in; out,
 * `{"action":"continue","data":{...},"diff":[...]}` or `{"action":"reject","sipCode":604,"reason":"..."}`,
 * with `trace` (each script's outcome, time and execution id) for whoever debugs it. And the
 * account's chain: scripts that run first and last around every call.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RoutingInputError, type Router } from '../../routing/index.js';
import type { RoutingChain, Store } from '../../store/index.js';
import type { Auth } from '../auth.js';
import { badRequest, notFound } from '../errors.js';
import { acceptPlainJson } from '../raw-json.js';

const DESCRIPTION = `The body is the call's data: \`routing\` (cli, dest_number, egress_routing...) and any other variables; \`vars\` (a TOML string or an object) is merged into it.
Answers 200 with \`{"action":"continue","data":{...},"diff":[{"path","from","to"}]}\` or \`{"action":"reject","sipCode":604,"reason":"..."}\`: a script's timeout or error is answered with its onTimeout / onError action, never a 5xx.
400: the body is not a call's data, or vars is not valid TOML (the message names the line). 404: no such script in this account.`;

const ids = { type: 'array', maxItems: 20, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 100 } } as const;

export function routingRoutes(app: FastifyInstance, deps: { auth: Auth; router: Router; store: Store }): void {
  const { auth, router, store } = deps;

  const route = async (req: FastifyRequest, reply: FastifyReply, scriptId: string | null) => {
    try {
      const answer = await router.route(req.accountId, scriptId, req.body, req.bodyJson);
      if (answer === null) throw notFound('script', scriptId ?? '');
      return reply.type('application/json; charset=utf-8').send(answer);
    } catch (err) {
      if (err instanceof RoutingInputError) throw badRequest(err.message, err.field);
      throw err;
    }
  };

  // The call's data is parsed plainly (see acceptPlainJson): this is the hottest path.
  app.register(async (scope) => {
    acceptPlainJson(scope);
    scope.post<{ Params: { scriptId: string } }>(
      '/api/v1/routing/:scriptId',
      {
        preHandler: auth.requireAccount,
        schema: { tags: ['routing'], summary: "Route a call: the account's run-first scripts, this script, then its run-last scripts", description: DESCRIPTION, params: { type: 'object', properties: { scriptId: { type: 'string' } } } },
      },
      async (req, reply) => route(req, reply, req.params.scriptId),
    );

    scope.post(
      '/api/v1/routing',
      { preHandler: auth.requireAccount, schema: { tags: ['routing'], summary: "Route a call through the account's chain alone (run first, then run last)", description: DESCRIPTION } },
      async (req, reply) => route(req, reply, null),
    );
  });

  app.get('/api/v1/routing/config', { preHandler: auth.requireAccount, schema: { tags: ['routing'], summary: "The account's routing chain" } }, async (req) =>
    store.getRoutingChain(req.accountId),
  );

  app.put<{ Body: Partial<RoutingChain> }>(
    '/api/v1/routing/config',
    {
      preHandler: auth.requireAccount,
      schema: {
        tags: ['routing'],
        summary: 'Set the scripts that run first and last around every routing call, in order',
        body: { type: 'object', additionalProperties: false, properties: { runFirst: ids, runLast: ids } },
      },
    },
    async (req) => {
      const chain = { runFirst: req.body.runFirst ?? [], runLast: req.body.runLast ?? [] };
      for (const field of ['runFirst', 'runLast'] as const) {
        for (const [i, id] of chain[field].entries()) {
          if (!(await store.getScript(req.accountId, id))) throw badRequest(`body.${field}[${i}]: no script with id '${id}' in this account`, `body.${field}[${i}]`);
        }
      }
      await store.setRoutingChain(req.accountId, chain);
      return chain;
    },
  );
}
