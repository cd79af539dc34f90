/**
 * Drivers (PRODUCT.md §6.4): POST /api/v1/drivers/{scriptId}/{method}. The JSON body is the method's
 * argument; the deployed version's exported `method` runs, and DID driver results (search,
 * allocate, release, list) are checked against their shapes (see src/drivers). Status codes are in
 * STATUS below (and in the OpenAPI description).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkDriverResult } from '../../drivers/index.js';
import type { Executor } from '../../executor/index.js';
import type { Auth } from '../auth.js';
import { HttpError, notFound } from '../errors.js';
import { acceptRawJson, inputOf } from '../raw-json.js';
import { envelope } from './run.js';

const STATUS = `Status codes:
- 200: the method ran and its result has the right shape; the body is the envelope {ok: true, result, executionId, logs, cpuMs, wallMs}.
- 502: the driver failed: its result has the wrong shape (error.code DRIVER_RESULT_INVALID; error.message, error.method and error.field name the fault), or it threw or hit a limit (the engine's error code). The body is the envelope with ok: false.
- 404: no script with this id in this account ({error}), or the script defines no such function (the envelope, error.code FUNCTION_NOT_FOUND).
- 503: the engine is overloaded (error.code OVERLOADED); retry after the Retry-After seconds.
- 400 (INVALID_JSON), 413 (BODY_TOO_LARGE), 415 (UNSUPPORTED_MEDIA_TYPE): the body is not a JSON argument; nothing ran.
Checked results: search → an array of {did: string}, allocate → an object, release → a boolean, list → an array of {did: string}; other methods (alert...) are not checked.`;

export function driverRoutes(app: FastifyInstance, deps: { auth: Auth; executor: Executor }): void {
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    acceptRawJson(scope);
    scope.addContentTypeParser('*', (req, _payload, done) => {
      done(new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `A driver call's body is the method's argument as application/json, not ${req.headers['content-type'] ? String(req.headers['content-type']) : 'a body without a Content-Type'}`), undefined);
    });

    const handler = async (req: FastifyRequest<{ Params: { scriptId: string; method: string } }>, reply: FastifyReply) => {
      const { scriptId, method } = req.params;
      const input = inputOf(req.body);
      const check = (result: unknown) => {
        const problem = checkDriverResult(method, result);
        return problem && { name: 'DriverResultError', code: 'DRIVER_RESULT_INVALID' as const, message: problem.message, method, field: problem.field };
      };
      const o = await deps.executor.run({ accountId: req.accountId, scriptId, fn: method, input, trigger: 'driver', check });
      if (!o.found) throw notFound('script', scriptId);
      if (!o.ok) {
        const code = o.error?.code;
        if (code === 'OVERLOADED') return reply.code(503).header('retry-after', '1').send(envelope(o));
        return reply.code(code === 'FUNCTION_NOT_FOUND' ? 404 : 502).send(envelope(o));
      }
      return reply.code(200).send(envelope(o));
    };

    scope.post<{ Params: { scriptId: string; method: string } }>(
      '/api/v1/drivers/:scriptId/:method',
      {
        onRequest: deps.auth.requireAccount,
        schema: {
          tags: ['drivers'],
          summary: "Call a driver's method with the body as its argument: 200 envelope, 502 when the driver fails or returns a wrong shape",
          description: STATUS,
          params: {
            type: 'object',
            properties: { scriptId: { type: 'string' }, method: { type: 'string', pattern: '^[A-Za-z_$][\\w$]*$' } },
          },
        },
      },
      handler,
    );
  });
}
