/**
 * Runs scripts on cron schedules (croner): 5-field cron, or 6 fields with seconds first, in an IANA
 * time zone. Every run goes through the executor, so it is recorded like any other execution (with
 * trigger 'schedule'). A run never starts while the previous run of the same schedule is still going.
 * Schedules live in the store; the timers here are only the in-process copy, rebuilt by start().
 */
import { Cron, CronPattern } from 'croner';
import type { Executor } from '../executor/index.js';
import type { Schedule, Store } from '../store/index.js';

/** A schedule that cannot run: `field` is 'cron' or 'timezone', `message` names the problem. */
export class ScheduleError extends Error {
  constructor(
    readonly field: 'cron' | 'timezone',
    message: string,
  ) {
    super(message);
  }
}

/** What the scheduler tells about runs it could not make (pino-compatible). */
export interface SchedulerLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const silent: SchedulerLog = { warn: () => {}, error: () => {} };

/** Checks a time zone name; throws ScheduleError unless it is one the runtime knows (IANA, e.g. 'Europe/Berlin', 'UTC'). */
export function checkTimezone(timezone: string): void {
  try {
    if (timezone === '') throw new RangeError('empty');
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new ScheduleError('timezone', `'${timezone}' is not a known IANA time zone (e.g. 'UTC', 'Europe/Berlin', 'America/New_York')`);
  }
}

/**
 * Checks a cron expression and time zone; returns the expression trimmed. Throws ScheduleError for an
 * expression croner refuses, and for one that never matches a date (e.g. February 30th).
 */
export function checkSchedule(cron: string, timezone: string): string {
  checkTimezone(timezone);
  const pattern = cron.trim();
  try {
    // CronPattern, not Cron: Cron takes any string with a ':' as a one-off date.
    new CronPattern(pattern, timezone);
  } catch (err) {
    const why = (err as Error).message.replace(/^CronPattern:\s*/, '');
    throw new ScheduleError('cron', `'${cron}' is not a valid cron expression: ${why}`);
  }
  if (new Cron(pattern, { timezone, paused: true }).nextRun() === null) {
    throw new ScheduleError('cron', `'${cron}' never matches a date`);
  }
  return pattern;
}

/** The next `n` run times, as ISO 8601 local times of the schedule's zone with their offset (e.g. 2026-03-30T09:00:00+02:00). */
export function nextRuns(cron: string, timezone: string, n = 3, from?: Date): string[] {
  return new Cron(cron, { timezone, paused: true }).nextRuns(n, from).map((d) => isoInZone(d, timezone));
}

/** An instant as ISO 8601 wall-clock time in a time zone, with the zone's offset ('Z' when it is UTC+0). */
export function isoInZone(d: Date, timezone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(d)
      .map((p) => [p.type, p.value]),
  );
  const [y, mo, da, h, mi, s] = ['year', 'month', 'day', 'hour', 'minute', 'second'].map((k) => Number(parts[k]));
  const wholeSeconds = Math.floor(d.getTime() / 1000) * 1000;
  const offsetMin = Math.round((Date.UTC(y, mo - 1, da, h, mi, s) - wholeSeconds) / 60_000);
  const pad = (x: number, w = 2) => String(x).padStart(w, '0');
  const ms = d.getTime() - wholeSeconds;
  const local = `${pad(y, 4)}-${pad(mo)}-${pad(da)}T${pad(h)}:${pad(mi)}:${pad(s)}${ms ? `.${pad(ms, 3)}` : ''}`;
  if (offsetMin === 0) return `${local}Z`;
  const a = Math.abs(offsetMin);
  return `${local}${offsetMin < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

interface Job {
  schedule: Schedule;
  cron: Cron;
}

export class Scheduler {
  readonly #jobs = new Map<string, Job>();
  /** Runs in flight, by script id: at most one per schedule, also across a replacement of its timer. */
  readonly #busy = new Map<string, Promise<void>>();
  #stopped = false;

  constructor(
    readonly store: Store,
    readonly executor: Executor,
    readonly log: SchedulerLog = silent,
  ) {}

  /** Loads every stored schedule and starts its timer. A stored schedule that no longer parses is logged and skipped. */
  async start(): Promise<void> {
    this.#stopped = false;
    for (const s of await this.store.listSchedules()) {
      try {
        this.set(s);
      } catch (err) {
        this.log.warn({ scriptId: s.scriptId, cron: s.cron, timezone: s.timezone, err }, 'schedule not started: it does not parse');
      }
    }
  }

  /**
   * Starts (or replaces) the timer of a script's schedule. It does not store it: the caller has saved
   * it already. Throws ScheduleError when the cron expression or time zone is invalid.
   */
  set(schedule: Schedule): void {
    const pattern = checkSchedule(schedule.cron, schedule.timezone);
    this.remove(schedule.scriptId);
    if (this.#stopped) return;
    const s: Schedule = { ...schedule, cron: pattern };
    const cron = new Cron(pattern, { timezone: s.timezone, protect: true, catch: true, unref: true }, () => this.#fire(s.scriptId));
    this.#jobs.set(s.scriptId, { schedule: s, cron });
  }

  /** Stops a script's timer (a run in flight finishes). True when there was one. */
  remove(scriptId: string): boolean {
    const job = this.#jobs.get(scriptId);
    if (!job) return false;
    job.cron.stop();
    this.#jobs.delete(scriptId);
    return true;
  }

  /** Whether a script has a running timer here. */
  has(scriptId: string): boolean {
    return this.#jobs.has(scriptId);
  }

  /** The scripts with a running timer. */
  scheduled(): string[] {
    return [...this.#jobs.keys()];
  }

  /**
   * For a script that changed or was deleted: drops its timer when the store no longer has its
   * schedule (deleting a script deletes its schedule).
   */
  async scriptChanged(scriptId: string): Promise<void> {
    const job = this.#jobs.get(scriptId);
    if (!job) return;
    const stored = await this.store.getSchedule(job.schedule.accountId, scriptId);
    if (!stored && this.#jobs.get(scriptId) === job) this.remove(scriptId);
  }

  /** Stops every timer; resolves when the runs in flight have finished (so the store and engine can close after). */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const id of [...this.#jobs.keys()]) this.remove(id);
    await Promise.allSettled([...this.#busy.values()]);
  }

  /** One run. Never throws: croner does not await its callbacks' failures. */
  #fire(scriptId: string): Promise<void> | undefined {
    const job = this.#jobs.get(scriptId);
    if (!job || this.#stopped) return undefined;
    if (this.#busy.has(scriptId)) {
      this.log.warn({ scriptId }, 'scheduled run skipped: the previous run is still going');
      return undefined;
    }
    const s = job.schedule;
    const run = (async () => {
      try {
        const out = await this.executor.run({
          accountId: s.accountId,
          scriptId: s.scriptId,
          input: s.data === undefined || s.data === null ? '' : JSON.stringify(s.data),
          trigger: 'schedule',
        });
        // The script is gone (deleted): its schedule went with it.
        if (!out.found && this.#jobs.get(scriptId) === job) this.remove(scriptId);
      } catch (err) {
        this.log.error({ scriptId, err }, 'scheduled run failed');
      } finally {
        this.#busy.delete(scriptId);
      }
    })();
    this.#busy.set(scriptId, run);
    return run;
  }
}
export { JobRunner, type JobRunnerOptions } from './jobs.js';
