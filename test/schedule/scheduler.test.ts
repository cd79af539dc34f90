// The Scheduler on its own, with a fake store and executor: validation, time formatting, no overlap
// across a replacement, stop() waiting for runs in flight, self-removal when the script is gone.
import { afterEach, describe, expect, it } from 'vitest';
import type { Executor, RunStored, StoredOutcome } from '../../src/executor/index.js';
import { checkSchedule, isoInZone, nextRuns, ScheduleError, Scheduler } from '../../src/schedule/index.js';
import type { Schedule, Store } from '../../src/store/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fakes(opts: { runMs?: number; found?: boolean; stored?: Schedule[] } = {}) {
  const calls: { r: RunStored; start: number; end?: number }[] = [];
  const warnings: string[] = [];
  const executor = {
    async run(r: RunStored): Promise<StoredOutcome> {
      const c: { r: RunStored; start: number; end?: number } = { r, start: Date.now() };
      calls.push(c);
      await sleep(opts.runMs ?? 10);
      c.end = Date.now();
      return opts.found === false ? { found: false } : ({ found: true } as StoredOutcome);
    },
  } as unknown as Executor;
  const store = {
    listSchedules: async () => opts.stored ?? [],
    getSchedule: async () => null,
  } as unknown as Store;
  const scheduler = new Scheduler(store, executor, { warn: (_o, m) => warnings.push(m), error: (_o, m) => warnings.push(m) });
  return { scheduler, calls, warnings };
}

const sched = (over: Partial<Schedule> = {}): Schedule => ({ scriptId: 'scr_1', accountId: 'acct_1', cron: '* * * * * *', timezone: 'UTC', data: { n: 1 }, ...over });

let running: Scheduler[] = [];
afterEach(async () => {
  await Promise.all(running.map((s) => s.stop()));
  running = [];
});

describe('checkSchedule', () => {
  it('accepts 5 and 6 fields and nicknames, trims, and names the field of a problem', () => {
    expect(checkSchedule(' 0 9 * * 1-5 ', 'Europe/Berlin')).toBe('0 9 * * 1-5');
    expect(checkSchedule('*/5 * * * * *', 'UTC')).toBe('*/5 * * * * *');
    expect(checkSchedule('@daily', 'America/New_York')).toBe('@daily');
    const bad = (cron: string, tz: string) => {
      try {
        checkSchedule(cron, tz);
      } catch (err) {
        expect(err).toBeInstanceOf(ScheduleError);
        return (err as ScheduleError).field;
      }
      return null;
    };
    expect(bad('0 9 * *', 'UTC')).toBe('cron');
    expect(bad('0 25 * * *', 'UTC')).toBe('cron');
    expect(bad('0 9 * * *', 'Nowhere/Land')).toBe('timezone');
    expect(bad('0 9 * * *', '')).toBe('timezone');
    expect(bad('0 0 31 4 *', 'UTC')).toBe('cron'); // April 31st never comes
  });
});

describe('isoInZone', () => {
  it('writes local wall-clock time with the offset of that instant, across DST', () => {
    expect(isoInZone(new Date('2026-01-15T08:00:00Z'), 'Europe/Berlin')).toBe('2026-01-15T09:00:00+01:00');
    expect(isoInZone(new Date('2026-07-15T07:00:00Z'), 'Europe/Berlin')).toBe('2026-07-15T09:00:00+02:00');
    expect(isoInZone(new Date('2026-07-15T13:00:00Z'), 'America/New_York')).toBe('2026-07-15T09:00:00-04:00');
    expect(isoInZone(new Date('2026-07-15T03:30:00Z'), 'Asia/Kolkata')).toBe('2026-07-15T09:00:00+05:30');
    expect(isoInZone(new Date('2026-07-15T09:00:00Z'), 'UTC')).toBe('2026-07-15T09:00:00Z');
    expect(isoInZone(new Date('2026-07-15T23:59:59Z'), 'Pacific/Kiritimati')).toBe('2026-07-16T13:59:59+14:00');
  });

  it('gives the next runs around a DST change at 09:00 local each day', () => {
    // Europe/Berlin moves to summer time on 2026-03-29.
    expect(nextRuns('0 9 * * *', 'Europe/Berlin', 3, new Date('2026-03-27T12:00:00Z'))).toEqual([
      '2026-03-28T09:00:00+01:00',
      '2026-03-29T09:00:00+02:00',
      '2026-03-30T09:00:00+02:00',
    ]);
  });
});

describe('Scheduler', () => {
  it('runs with the data as JSON text and trigger schedule; no data is no input', async () => {
    const { scheduler, calls } = fakes();
    running.push(scheduler);
    scheduler.set(sched());
    scheduler.set(sched({ scriptId: 'scr_2', data: null }));
    const until = Date.now() + 3000;
    while (calls.filter((c) => c.r.scriptId === 'scr_2').length === 0 || calls.filter((c) => c.r.scriptId === 'scr_1').length === 0) {
      if (Date.now() > until) throw new Error('no run');
      await sleep(50);
    }
    expect(calls.find((c) => c.r.scriptId === 'scr_1')!.r).toMatchObject({ accountId: 'acct_1', input: '{"n":1}', trigger: 'schedule' });
    expect(calls.find((c) => c.r.scriptId === 'scr_2')!.r.input).toBe('');
  });

  it('refuses a bad schedule in set() and keeps the timer it had', () => {
    const { scheduler } = fakes();
    running.push(scheduler);
    scheduler.set(sched({ cron: '0 9 * * *' }));
    expect(() => scheduler.set(sched({ cron: 'nope' }))).toThrow(ScheduleError);
    expect(scheduler.has('scr_1')).toBe(true);
  });

  it('does not overlap runs of one script, even when its schedule is replaced mid-run', async () => {
    const { scheduler, calls, warnings } = fakes({ runMs: 1500 });
    running.push(scheduler);
    scheduler.set(sched());
    const until = Date.now() + 3000;
    while (calls.length === 0) {
      if (Date.now() > until) throw new Error('no run');
      await sleep(20);
    }
    scheduler.set(sched({ data: { n: 2 } })); // a new timer while the first run is going
    await sleep(2600);
    await scheduler.stop();
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < calls.length; i++) expect(calls[i].start).toBeGreaterThanOrEqual(calls[i - 1].end!);
    expect(warnings).toContain('scheduled run skipped: the previous run is still going');
  }, 10_000);

  it('stop() clears every timer and waits for the runs in flight', async () => {
    const { scheduler, calls } = fakes({ runMs: 700 });
    scheduler.set(sched());
    scheduler.set(sched({ scriptId: 'scr_2' }));
    const until = Date.now() + 3000;
    while (calls.length === 0) {
      if (Date.now() > until) throw new Error('no run');
      await sleep(20);
    }
    await scheduler.stop();
    expect(scheduler.scheduled()).toEqual([]);
    expect(calls.every((c) => c.end !== undefined)).toBe(true);
    const n = calls.length;
    await sleep(1200);
    expect(calls.length).toBe(n);
    scheduler.set(sched()); // after stop: refused silently until start() again
    expect(scheduler.has('scr_1')).toBe(false);
  });

  it('start() loads the stored schedules and skips one that no longer parses', async () => {
    const { scheduler, warnings } = fakes({ stored: [sched({ cron: '0 9 * * *' }), sched({ scriptId: 'scr_bad', timezone: 'Gone/Zone' })] });
    running.push(scheduler);
    await scheduler.start();
    expect(scheduler.scheduled()).toEqual(['scr_1']);
    expect(warnings).toContain('schedule not started: it does not parse');
  });

  it('drops the timer of a script that is gone, on its next run or when told the script changed', async () => {
    const { scheduler, calls } = fakes({ found: false });
    running.push(scheduler);
    scheduler.set(sched());
    const until = Date.now() + 3000;
    while (scheduler.has('scr_1')) {
      if (Date.now() > until) throw new Error('still scheduled');
      await sleep(20);
    }
    expect(calls).toHaveLength(1);
    scheduler.set(sched({ cron: '0 9 * * *' }));
    await scheduler.scriptChanged('scr_1'); // the fake store has no schedule for it any more
    expect(scheduler.has('scr_1')).toBe(false);
  });
});
