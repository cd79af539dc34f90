/**
 * Schedules: PUT|GET|DELETE /api/v1/scripts/{id}/schedule. One schedule per script: a cron expression
 * (5 fields, or 6 with seconds first) in an IANA time zone, and the data each run gets. Each run is an
 * execution with trigger 'schedule' (GET /api/v1/executions?scriptId=...).
 */
import type { FastifyInstance } from 'fastify';
import { checkSchedule, nextRuns, ScheduleError, type Scheduler } from '../../schedule/index.js';
import type { Schedule, Store } from '../../store/index.js';
import type { Auth } from '../auth.js';
import { HttpError, notFound } from '../errors.js';

const idParams = { type: 'object', properties: { id: { type: 'string' } } } as const;
const scheduleOut = {
  type: 'object',
  properties: {
    scriptId: { type: 'string' },
    cron: { type: 'string' },
    timezone: { type: 'string' },
    data: {},
    nextRuns: { type: 'array', items: { type: 'string' }, description: 'The next run times, ISO 8601 in the schedule\'s time zone (with its offset)' },
  },
} as const;

interface ScheduleBody {
  cron: string;
  timezone?: string;
  data?: unknown;
}

export function scheduleRoutes(app: FastifyInstance, deps: { store: Store; auth: Auth; scheduler: Scheduler }): void {
  const { store, auth, scheduler } = deps;
  const pre = { preHandler: auth.requireAccount };
  const out = (s: Schedule) => ({ scriptId: s.scriptId, cron: s.cron, timezone: s.timezone, data: s.data ?? null, nextRuns: upcoming(s) });

  app.put<{ Params: { id: string }; Body: ScheduleBody }>(
    '/api/v1/scripts/:id/schedule',
    {
      ...pre,
      schema: {
        tags: ['schedules'],
        summary: 'Run the script on a cron schedule (replaces any schedule it has)',
        description:
          "`cron`: 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first; `timezone`: an IANA name (default 'UTC'); `data`: the data argument of every run.",
        params: idParams,
        body: {
          type: 'object', required: ['cron'], additionalProperties: false,
          properties: { cron: { type: 'string', minLength: 1, maxLength: 200 }, timezone: { type: 'string', minLength: 1, maxLength: 100 }, data: {} },
        },
        response: { 200: scheduleOut },
      },
    },
    async (req) => {
      const script = await store.getScript(req.accountId, req.params.id);
      if (!script) throw notFound('script', req.params.id);
      const timezone = req.body.timezone ?? 'UTC';
      let cron: string;
      try {
        cron = checkSchedule(req.body.cron, timezone);
      } catch (err) {
        if (!(err instanceof ScheduleError)) throw err;
        throw new HttpError(400, 'INVALID_REQUEST', `body.${err.field}: ${err.message}`, { field: `body.${err.field}` });
      }
      const s: Schedule = { scriptId: script.id, accountId: req.accountId, cron, timezone, data: req.body.data ?? null };
      await store.setSchedule(s);
      scheduler.set(s);
      return out(s);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/scripts/:id/schedule',
    { ...pre, schema: { tags: ['schedules'], summary: "The script's schedule and its next run times", params: idParams, response: { 200: scheduleOut } } },
    async (req) => {
      const script = await store.getScript(req.accountId, req.params.id);
      if (!script) throw notFound('script', req.params.id);
      const s = await store.getSchedule(req.accountId, script.id);
      if (!s) throw new HttpError(404, 'NOT_FOUND', `Script '${script.id}' has no schedule`);
      return out(s);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/scripts/:id/schedule',
    { ...pre, schema: { tags: ['schedules'], summary: 'Stop running the script on a schedule (a run in flight finishes)', params: idParams } },
    async (req, reply) => {
      const script = await store.getScript(req.accountId, req.params.id);
      if (!script) throw notFound('script', req.params.id);
      if (!(await store.deleteSchedule(req.accountId, script.id))) throw new HttpError(404, 'NOT_FOUND', `Script '${script.id}' has no schedule`);
      scheduler.remove(script.id);
      return reply.code(204).send();
    },
  );
}

/** The next three run times; none for a stored schedule that no longer parses (e.g. a time zone the runtime dropped). */
function upcoming(s: Schedule): string[] {
  try {
    return nextRuns(s.cron, s.timezone, 3);
  } catch {
    return [];
  }
}
