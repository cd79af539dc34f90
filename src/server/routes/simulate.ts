/**
 * The live call simulator (the IDE's Call tab; curl works too): a stored voice script's deployed
 * version answers a simulated call in real time, driven by a person.
 *
 *   POST /api/v1/scripts/{id}/call          body: the data argument (JSON). Answers with Server-Sent
 *        Events: `call` {callId, scriptId, version, from, to, maxCallMs} first; then, as they happen,
 *        `timeline` {i, entry} (an operation is sent when it starts and again, same i, with its
 *        result) and `log` entries; last `end` {callId, ok, timeline, logs, error?}.
 *   POST /api/v1/calls/{callId}/dtmf        {"digits":"1"}: the caller presses digits (once answered).
 *   POST /api/v1/calls/{callId}/hangup      the caller hangs up.
 *
 * Calls belong to the account that started them (another account's key gets a 404). Closing the
 * stream hangs up too. An account has at most MAX_LIVE_CALLS at once, each at most the runtime's
 * maximum call duration.
 */
import type { FastifyInstance } from 'fastify';
import type { Executor } from '../../executor/index.js';
import { DEFAULT_MAX_CALL_MS, SimulatedCall, runCall, type TimelineEntry } from '../../voice/index.js';
import type { Auth } from '../auth.js';
import { HttpError, badRequest, notFound } from '../errors.js';
import { acceptRawJson, inputOf } from '../raw-json.js';
import { accountAudio } from '../sip.js';

/** Simulated calls an account may have going at once. */
export const MAX_LIVE_CALLS = 5;

interface LiveCall {
  accountId: string;
  call: SimulatedCall;
}

export interface SimulateDeps {
  auth: Auth;
  executor: Executor;
  /** The server's data folder: prompts in DATA/audio/ivr, each account's uploads in DATA/audio/user/<account>. */
  dataDir: string;
  /** The longest a simulated call may last (default the runtime's, an hour). */
  maxCallMs?: number;
}

export function simulateRoutes(app: FastifyInstance, deps: SimulateDeps): void {
  const live = new Map<string, LiveCall>();
  const maxCallMs = deps.maxCallMs ?? DEFAULT_MAX_CALL_MS;
  const mine = (accountId: string, callId: string): LiveCall => {
    const c = live.get(callId);
    if (!c || c.accountId !== accountId) throw notFound('live call', callId);
    return c;
  };
  // Shutting down: every live call is hung up, so that its stream ends and the server can close.
  app.addHook('preClose', async () => {
    for (const c of live.values()) c.call.hangUpNow();
  });

  app.register(async (scope) => {
    acceptRawJson(scope);
    scope.post<{ Params: { id: string } }>(
      '/api/v1/scripts/:id/call',
      {
        preHandler: deps.auth.requireAccount,
        schema: {
          tags: ['calls'],
          summary: 'Start a simulated call of the deployed version (live, in real time); the body is the data argument',
          description:
            'Answers with Server-Sent Events: `call` (its callId) first; then `timeline` ({i, entry}: an operation when it starts and again with its result) and `log` events as they happen; last `end` ({ok, timeline, logs, error?}). Press digits and hang up with /api/v1/calls/{callId}/dtmf and /hangup.',
          params: { type: 'object', properties: { id: { type: 'string' } } },
        },
      },
      async (req, reply) => {
        const accountId = req.accountId;
        const rt = await deps.executor.runtimeOf(accountId, req.params.id);
        if (!rt) throw notFound('script', req.params.id);
        if (rt.script.type !== 'app') {
          rt.host.dispose();
          throw badRequest(`A voice script is an app (async function main(data, ctx)); '${rt.script.name}' is a ${rt.script.type}`, 'type');
        }
        let count = 0;
        for (const c of live.values()) if (c.accountId === accountId) count++;
        if (count >= MAX_LIVE_CALLS) {
          rt.host.dispose();
          throw new HttpError(429, 'TOO_MANY_CALLS', `At most ${MAX_LIVE_CALLS} simulated calls at once per account: hang one up first`);
        }
        const call = new SimulatedCall({ audio: accountAudio(deps.dataDir, accountId), realtime: true });
        const callId = call.call.callId;
        live.set(callId, { accountId, call });

        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no', 'x-call-id': callId });
        const send = (name: string, data: unknown) => {
          if (!res.writableEnded && !res.destroyed) res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
        };
        // The person watching went away: the caller hangs up.
        res.on('close', () => {
          if (!res.writableFinished) call.hangUpNow();
        });
        send('call', { callId, scriptId: rt.script.id, version: rt.version, from: call.call.from, to: call.call.to, maxCallMs });
        try {
          const outcome = await runCall(deps.executor.engine, {
            code: rt.code,
            filename: `${rt.script.name}.js`,
            input: inputOf(req.body),
            backend: call,
            tenant: accountId,
            limits: rt.script.limits,
            isolation: rt.script.isolation,
            env: rt.env,
            host: rt.host,
            maxCallMs,
            onLog: (e) => send('log', e),
            onTimeline: (entry: TimelineEntry, i: number) => send('timeline', { i, entry }),
          });
          send('end', { callId, ...outcome });
        } catch (err) {
          req.log.error({ err }, 'simulated call failed');
          send('end', { callId, ok: false, timeline: [], logs: [], error: { name: 'Error', code: 'INTERNAL', message: 'The simulated call failed on the server' } });
        } finally {
          live.delete(callId);
          rt.host.dispose();
          call.close();
          res.end();
        }
      },
    );
  });

  app.post<{ Params: { callId: string }; Body: { digits: string } }>(
    '/api/v1/calls/:callId/dtmf',
    {
      preHandler: deps.auth.requireAccount,
      schema: {
        tags: ['calls'],
        summary: 'The caller of a live simulated call presses digits',
        params: { type: 'object', properties: { callId: { type: 'string' } } },
        body: {
          type: 'object',
          required: ['digits'],
          additionalProperties: false,
          properties: { digits: { type: 'string', pattern: '^[0-9*#A-D]{1,32}$', description: 'DTMF digits, pressed one every 200 ms' } },
        },
      },
    },
    async (req) => {
      const c = mine(req.accountId, req.params.callId);
      if (!c.call.press(req.body.digits)) {
        throw new HttpError(409, 'CALL_NOT_ANSWERED', c.call.state === 'ringing' ? 'The call is not answered yet: digits need an answered call' : 'The call is over');
      }
      return { callId: req.params.callId, digits: req.body.digits };
    },
  );

  app.post<{ Params: { callId: string } }>(
    '/api/v1/calls/:callId/hangup',
    {
      preHandler: deps.auth.requireAccount,
      schema: { tags: ['calls'], summary: 'The caller of a live simulated call hangs up', params: { type: 'object', properties: { callId: { type: 'string' } } } },
    },
    async (req) => {
      const c = mine(req.accountId, req.params.callId);
      c.call.hangUpNow();
      return { callId: req.params.callId, hungUp: true };
    },
  );
}
