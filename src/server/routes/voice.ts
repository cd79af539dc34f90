/**
 * Class 5 voice over SIP: which numbers run which voice script (the SIP service in ../sip.ts answers
 * them when the server runs with SCRIPTFORGE_SIP_LISTEN=host:port).
 *
 *   PUT    /api/v1/voice/numbers/{number}  {"scriptId"}: calls to the number run the script (409 when
 *          another account has the number)
 *   GET    /api/v1/voice/numbers           the account's numbers
 *   DELETE /api/v1/voice/numbers/{number}
 * */
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/index.js';
import type { Auth } from '../auth.js';
import { HttpError, notFound } from '../errors.js';

const numberParams = { type: 'object', properties: { number: { type: 'string', pattern: '^\\+?[0-9A-Za-z*#._-]{1,64}$' } } } as const;

export function voiceRoutes(app: FastifyInstance, deps: { auth: Auth; store: Store }): void {
  const { auth, store } = deps;
  app.put<{ Params: { number: string }; Body: { scriptId: string } }>(
    '/api/v1/voice/numbers/:number',
    {
      preHandler: auth.requireAccount,
      schema: {
        tags: ['voice'],
        summary: "Calls to this number (the SIP To user) run the account's voice script",
        params: numberParams,
        body: { type: 'object', required: ['scriptId'], additionalProperties: false, properties: { scriptId: { type: 'string', minLength: 1, maxLength: 100 } } },
      },
    },
    async (req) => {
      const script = await store.getScript(req.accountId, req.body.scriptId);
      if (!script) throw notFound('script', req.body.scriptId);
      if (script.type !== 'app') throw new HttpError(400, 'INVALID_REQUEST', `A voice script is an app (async function main(data, ctx)); '${script.name}' is a ${script.type}`, { field: 'scriptId' });
      const n = { number: req.params.number, accountId: req.accountId, scriptId: script.id };
      if (!(await store.setVoiceNumber(n))) throw new HttpError(409, 'NUMBER_TAKEN', `The number '${n.number}' belongs to another account`);
      return { number: n.number, scriptId: n.scriptId };
    },
  );
  app.get('/api/v1/voice/numbers', { preHandler: auth.requireAccount, schema: { tags: ['voice'], summary: "The account's voice numbers" } }, async (req) =>
    (await store.listVoiceNumbers(req.accountId)).map((n) => ({ number: n.number, scriptId: n.scriptId })),
  );
  app.delete<{ Params: { number: string } }>(
    '/api/v1/voice/numbers/:number',
    { preHandler: auth.requireAccount, schema: { tags: ['voice'], summary: 'Stop answering a number', params: numberParams } },
    async (req, reply) => {
      if (!(await store.deleteVoiceNumber(req.accountId, req.params.number))) throw notFound('voice number', req.params.number);
      return reply.code(204).send();
    },
  );
}
