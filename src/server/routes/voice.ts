/**
 * Class 5 voice over SIP: which numbers run which voice script (the SIP service in ../sip.ts answers
 * them when the server runs with SCRIPTFORGE_SIP_LISTEN=host:port).
 *
 *   PUT    /api/v1/voice/numbers/{number}  {"scriptId"}: calls to the number run the script (409 when
 *          another account has the number)
 *   GET    /api/v1/voice/numbers           the account's numbers
 *   DELETE /api/v1/voice/numbers/{number}
 *   GET    /api/v1/calls                   the account's SIP calls, newest first: {id, callId, from, to, ok, startedAt, ...}
 *   GET    /api/v1/calls/{id}              one call (its execution id or SIP Call-ID), with its timeline and logs
 *
 * A call is the execution its script made (trigger 'voice'); uploads and recordings are in ./audio.ts.
 * */
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/index.js';
import type { Auth } from '../auth.js';
import { HttpError, notFound } from '../errors.js';

/** Executions looked through for calls (newest first): a call older than this many executions of the account is not listed. */
const SCAN = 1000;

interface CallResult {
  callId?: string;
  from?: string;
  to?: string;
  timeline?: unknown[];
}

function parseResult(json: string | null): CallResult {
  try {
    return json ? (JSON.parse(json) as CallResult) : {};
  } catch {
    return {};
  }
}

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

  app.get<{ Querystring: { limit: number } }>(
    '/api/v1/calls',
    {
      preHandler: auth.requireAccount,
      schema: {
        tags: ['voice'],
        summary: "The account's voice calls over SIP, newest first",
        querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 } } },
      },
    },
    async (req) => {
      const recent = await store.listExecutions(req.accountId, { limit: SCAN });
      const calls = [];
      for (const e of recent) {
        if (e.trigger !== 'voice') continue;
        const full = await store.getExecution(req.accountId, e.id);
        const r = parseResult(full?.resultJson ?? null);
        calls.push({
          id: e.id, callId: r.callId ?? null, from: r.from ?? null, to: r.to ?? null, ok: e.ok, startedAt: e.startedAt, durationMs: e.wallMs,
          scriptId: e.scriptId, version: e.version, error: e.error ? e.error.message : null,
        });
        if (calls.length >= req.query.limit) break;
      }
      return calls;
    },
  );
  app.get<{ Params: { id: string } }>(
    '/api/v1/calls/:id',
    {
      preHandler: auth.requireAccount,
      schema: { tags: ['voice'], summary: 'One voice call (by its id or SIP Call-ID): its timeline and logs', params: { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 256 } } } },
    },
    async (req) => {
      let e = await store.getExecution(req.accountId, req.params.id);
      if (!e) {
        // by SIP Call-ID, among the recent calls
        for (const x of await store.listExecutions(req.accountId, { limit: SCAN })) {
          if (x.trigger !== 'voice') continue;
          const full = await store.getExecution(req.accountId, x.id);
          if (full && parseResult(full.resultJson).callId === req.params.id) {
            e = full;
            break;
          }
        }
      }
      if (!e || e.trigger !== 'voice') throw notFound('call', req.params.id);
      const r = parseResult(e.resultJson);
      return {
        id: e.id, callId: r.callId ?? null, from: r.from ?? null, to: r.to ?? null, ok: e.ok, startedAt: e.startedAt, durationMs: e.wallMs,
        scriptId: e.scriptId, version: e.version, error: e.error, timeline: r.timeline ?? [], logs: e.logs,
      };
    },
  );
}
