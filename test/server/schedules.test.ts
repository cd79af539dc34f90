// Schedules end to end: a real server, real HTTP, real timers. Per-second cron expressions (6 fields,
// seconds first) keep the waits to a few seconds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../server-helpers.js';

let t: TestServer;
let a: { id: string; key: string };
let b: { id: string; key: string };
beforeAll(async () => {
  t = await startTestServer();
  a = await t.account('alpha');
  b = await t.account('beta');
});
afterAll(() => t?.close());

const ECHO = 'function main(data) { return data === undefined ? "no data" : data }';
const EVERY_SECOND = '* * * * * *';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Exe {
  id: string;
  trigger: string;
  ok: boolean;
  startedAt: string;
  wallMs: number;
}

async function create(s: TestServer, key: string, code = ECHO, type = 'script'): Promise<string> {
  const r = await s.call('POST', '/api/v1/scripts', key, { name: 'scheduled', type, code });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

async function scheduled(s: TestServer, key: string, scriptId: string): Promise<Exe[]> {
  const r = await s.call('GET', `/api/v1/executions?scriptId=${scriptId}&limit=1000`, key);
  expect(r.status).toBe(200);
  return (r.body as Exe[]).filter((e) => e.trigger === 'schedule');
}

/** Polls until `pred` holds for the script's scheduled executions; fails after `ms`. */
async function waitForRuns(s: TestServer, key: string, scriptId: string, pred: (runs: Exe[]) => boolean, ms = 6000): Promise<Exe[]> {
  const until = Date.now() + ms;
  for (;;) {
    const runs = await scheduled(s, key, scriptId);
    if (pred(runs)) return runs;
    if (Date.now() > until) throw new Error(`no scheduled run as expected within ${ms} ms (have ${runs.length})`);
    await sleep(100);
  }
}

describe('running on a schedule', () => {
  it('runs the script every tick and records each run as a schedule execution with the data given', async () => {
    const id = await create(t, a.key);
    const put = await t.call('PUT', `/api/v1/scripts/${id}/schedule`, a.key, { cron: EVERY_SECOND, timezone: 'UTC', data: { n: 7, tag: 'nightly' } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ scriptId: id, cron: EVERY_SECOND, timezone: 'UTC', data: { n: 7, tag: 'nightly' } });
    expect(put.body.nextRuns).toHaveLength(3);

    const runs = await waitForRuns(t, a.key, id, (r) => r.length >= 2);
    const one = await t.call('GET', `/api/v1/executions/${runs[0].id}`, a.key);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ trigger: 'schedule', ok: true, scriptId: id, result: { n: 7, tag: 'nightly' } });

    expect((await t.call('DELETE', `/api/v1/scripts/${id}/schedule`, a.key)).status).toBe(204);
  });

  it('runs without data when none is given, in UTC by default', async () => {
    const id = await create(t, a.key);
    const put = await t.call('PUT', `/api/v1/scripts/${id}/schedule`, a.key, { cron: EVERY_SECOND });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ timezone: 'UTC', data: null });
    const [run] = await waitForRuns(t, a.key, id, (r) => r.length >= 1);
    expect((await t.call('GET', `/api/v1/executions/${run.id}`, a.key)).body.result).toBe('no data');
    expect((await t.call('DELETE', `/api/v1/scripts/${id}/schedule`, a.key)).status).toBe(204);
  });

  it('replaces the schedule on a second PUT', async () => {
    const id = await create(t, a.key);
    expect((await t.call('PUT', `/api/v1/scripts/${id}/schedule`, a.key, { cron: '0 0 1 1 *', timezone: 'UTC', data: 1 })).status).toBe(200);
    const r = await t.call('PUT', `/api/v1/scripts/${id}/schedule`, a.key, { cron: EVERY_SECOND, timezone: 'Asia/Tokyo', data: 2 });
    expect(r.status).toBe(200);
    expect((await t.call('GET', `/api/v1/scripts/${id}/schedule`, a.key)).body).toMatchObject({ cron: EVERY_SECOND, timezone: 'Asia/Tokyo', data: 2 });
    const [run] = await waitForRuns(t, a.key, id, (x) => x.length >= 1);
    expect((await t.call('GET', `/api/v1/executions/${run.id}`, a.key)).body.result).toBe(2);
    expect((await t.call('DELETE', `/api/v1/scripts/${id}/schedule`, a.key)).status).toBe(204);
  });

  it('does not start a run while the previous run of the schedule is still going', async () => {
    const id = await create(t, a.key, 'async function main() { await new Promise((r) => setTimeout(r, 1600)); return "slow" }', 'app');
    expect((await t.call('PUT', `/api/v1/scripts/${id}/schedule`, a.key, { cron: EVERY_SECOND })).status).toBe(200);
    const runs = await waitForRuns(t, a.key, id, (r) => r.length >= 3, 12_000);
    expect((await t.call('DELETE', `/api/v1/scripts/${id}/schedule`, a.key)).status).toBe(204);
    const byStart = runs.map((r) => ({ start: Date.parse(r.startedAt), wallMs: r.wallMs })).sort((x, y) => x.start - y.start);
    for (let i = 1; i < byStart.length; i++) {
      // Every second would start one each second; each run takes 1.6 s, so none starts before the last ended.
      expect(byStart[i].start - byStart[i - 1].start).toBeGreaterThanOrEqual(1600);
    }
  }, 20_000);
});

describe('bad schedules', () => {
  it.each([
    ['nope', /not a valid cron expression.*five or six/],
    ['61 * * * *', /not a valid cron expression.*minute: 61/],
    ['* * * * * * *', /not a valid cron expression/],
    ['*/0 * * * *', /not a valid cron expression.*stepping/],
    ['2030-01-01T00:00:00', /not a valid cron expression/],
    ['0 0 30 2 *', /never matches a date/],
  ])('refuses the cron expression %j with a 400 naming body.cron, and saves nothing', async (cron, why) => {
    const id = await create(t, a.key);
    const r = await t.call('PUT', `/api/v1/scripts/${id}/schedule`, a.key, { cron, timezone: 'UTC' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'INVALID_REQUEST', field: 'body.cron' });
    expect(r.body.error.message).toMatch(why);
    expect(r.body.error.message).toContain('body.cron');
    expect((await t.call('GET', `/api/v1/scripts/${id}/schedule`, a.key)).status).toBe(404);
    expect(t.server.scheduler.has(id)).toBe(false);
  });

  it.each(['Mars/Olympus', 'Europe/Berlinn', '+01:00'])('refuses the time zone %j with a 400 naming body.timezone, and saves nothing', async (timezone) => {
    const id = await create(t, a.key);
    const r = await t.call('PUT', `/api/v1/scripts/${id}/schedule`, a.key, { cron: '0 9 * * *', timezone });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'INVALID_REQUEST', field: 'body.timezone' });
    expect(r.body.error.message).toContain(`'${timezone}' is not a known IANA time zone`);
    expect((await t.call('GET', `/api/v1/scripts/${id}/schedule`, a.key)).status).toBe(404);
  });

  it('keeps the old schedule when a replacement is refused', async () => {
    const id = await create(t, a.key);
    expect((await t.call('PUT', `/api/v1/scripts/${id}/schedule`, a.key, { cron: '0 9 * * *', timezone: 'UTC', data: 'old' })).status).toBe(200);
    expect((await t.call('PUT', `/api/v1/scripts/${id}/schedule`, a.key, { cron: 'every day', timezone: 'UTC', data: 'new' })).status).toBe(400);
    expect((await t.call('GET', `/api/v1/scripts/${id}/schedule`, a.key)).body).toMatchObject({ cron: '0 9 * * *', data: 'old' });
    expect((await t.call('DELETE', `/api/v1/scripts/${id}/schedule`, a.key)).status).toBe(204);
  });

  it('needs a cron expression and refuses unknown fields and wrong types', async () => {
    const id = await create(t, a.key);
    const missing = await t.call('PUT', `/api/v1/scripts/${id}/schedule`, a.key, { timezone: 'UTC' });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ field: 'body.cron', message: 'body.cron is required' });
    const wrongType = await t.call('PUT', `/api/v1/scripts/${id}/schedule`, a.key, { cron: '0 9 * * *', timezone: { tz: 'UTC' } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.field).toBe('body.timezone');
    expect((await t.call('PUT', `/api/v1/scripts/${id}/schedule`, a.key, '{"cron":')).status).toBe(400);
    expect((await t.call('GET', `/api/v1/scripts/${id}/schedule`, a.key)).status).toBe(404);
  });

  it('404s for a script that does not exist', async () => {
    const r = await t.call('PUT', '/api/v1/scripts/scr_nope/schedule', a.key, { cron: '0 9 * * *' });
    expect(r.status).toBe(404);
    expect(r.body.error.message).toContain('scr_nope');
    expect((await t.call('GET', '/api/v1/scripts/scr_nope/schedule', a.key)).status).toBe(404);
    expect((await t.call('DELETE', '/api/v1/scripts/scr_nope/schedule', a.key)).status).toBe(404);
  });
});

describe('reading a schedule', () => {
  it('shows the next run times in the schedule\'s time zone, with its offset', async () => {
    const id = await create(t, a.key);
    for (const [timezone, offset] of [
      ['Europe/Berlin', /\+0[12]:00$/],
      ['America/New_York', /-0[45]:00$/],
      ['Asia/Kolkata', /\+05:30$/],
    ] as const) {
      expect((await t.call('PUT', `/api/v1/scripts/${id}/schedule`, a.key, { cron: '0 9 * * *', timezone, data: { x: 1 } })).status).toBe(200);
      const r = await t.call('GET', `/api/v1/scripts/${id}/schedule`, a.key);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ scriptId: id, cron: '0 9 * * *', timezone, data: { x: 1 } });
      const runs = r.body.nextRuns as string[];
      expect(runs).toHaveLength(3);
      const now = Date.now();
      for (const iso of runs) {
        expect(iso).toMatch(/^\d{4}-\d\d-\d\dT09:00:00[+-]\d\d:\d\d$/); // 09:00 local time
        expect(iso).toMatch(offset);
        expect(Date.parse(iso)).toBeGreaterThan(now); // a real instant, in the future
        // The same instant, read in the zone, is 09:00.
        expect(new Intl.DateTimeFormat('en-GB', { timeZone: timezone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso))).toBe('09:00');
      }
      const gaps = runs.slice(1).map((iso, i) => (Date.parse(iso) - Date.parse(runs[i])) / 3_600_000);
      for (const h of gaps) expect([23, 24, 25]).toContain(h); // a day apart (23 or 25 h across a DST change)
    }
    expect((await t.call('DELETE', `/api/v1/scripts/${id}/schedule`, a.key)).status).toBe(204);
  });

  it('writes UTC times with Z', async () => {
    const id = await create(t, a.key);
    const r = await t.call('PUT', `/api/v1/scripts/${id}/schedule`, a.key, { cron: '30 6 * * 1', timezone: 'UTC' });
    expect(r.status).toBe(200);
    for (const iso of r.body.nextRuns as string[]) {
      expect(iso).toMatch(/T06:30:00Z$/);
      expect(new Date(iso).getUTCDay()).toBe(1); // Mondays
    }
    expect((await t.call('DELETE', `/api/v1/scripts/${id}/schedule`, a.key)).status).toBe(204);
  });

  it('is a 404 naming the script when the script has no schedule', async () => {
    const id = await create(t, a.key);
    const r = await t.call('GET', `/api/v1/scripts/${id}/schedule`, a.key);
    expect(r.status).toBe(404);
    expect(r.body.error.message).toContain(id);
    expect((await t.call('DELETE', `/api/v1/scripts/${id}/schedule`, a.key)).status).toBe(404);
  });
});

describe('stopping a schedule', () => {
  it('DELETE stops the runs', async () => {
    const id = await create(t, a.key);
    expect((await t.call('PUT', `/api/v1/scripts/${id}/schedule`, a.key, { cron: EVERY_SECOND, data: 1 })).status).toBe(200);
    await waitForRuns(t, a.key, id, (r) => r.length >= 1);
    expect((await t.call('DELETE', `/api/v1/scripts/${id}/schedule`, a.key)).status).toBe(204);
    expect(t.server.scheduler.has(id)).toBe(false);
    await sleep(300); // a run already started may still be recorded
    const before = (await scheduled(t, a.key, id)).length;
    await sleep(2500);
    expect((await scheduled(t, a.key, id)).length).toBe(before);
    expect((await t.call('GET', `/api/v1/scripts/${id}/schedule`, a.key)).status).toBe(404);
    expect((await t.call('DELETE', `/api/v1/scripts/${id}/schedule`, a.key)).status).toBe(404);
  });

  it('deleting the script stops its schedule', async () => {
    const id = await create(t, a.key);
    expect((await t.call('PUT', `/api/v1/scripts/${id}/schedule`, a.key, { cron: EVERY_SECOND })).status).toBe(200);
    await waitForRuns(t, a.key, id, (r) => r.length >= 1);
    expect((await t.call('DELETE', `/api/v1/scripts/${id}`, a.key)).status).toBe(204);
    expect((await t.call('GET', `/api/v1/scripts/${id}/schedule`, a.key)).status).toBe(404);
    const until = Date.now() + 3000;
    while (t.server.scheduler.has(id) && Date.now() < until) await sleep(100);
    expect(t.server.scheduler.has(id)).toBe(false);
  });
});

describe('accounts', () => {
  it("another account's script is a 404 for GET, PUT and DELETE of its schedule, and its runs stay invisible", async () => {
    const id = await create(t, a.key);
    expect((await t.call('PUT', `/api/v1/scripts/${id}/schedule`, a.key, { cron: EVERY_SECOND, data: { secret: 'a' } })).status).toBe(200);
    await waitForRuns(t, a.key, id, (r) => r.length >= 1);

    const get = await t.call('GET', `/api/v1/scripts/${id}/schedule`, b.key);
    expect(get.status).toBe(404);
    expect(get.text).not.toContain('secret');
    expect((await t.call('PUT', `/api/v1/scripts/${id}/schedule`, b.key, { cron: '0 9 * * *', data: 'b' })).status).toBe(404);
    expect((await t.call('DELETE', `/api/v1/scripts/${id}/schedule`, b.key)).status).toBe(404);
    expect(await scheduled(t, b.key, id)).toEqual([]);

    // Untouched for its owner.
    expect((await t.call('GET', `/api/v1/scripts/${id}/schedule`, a.key)).body).toMatchObject({ cron: EVERY_SECOND, data: { secret: 'a' } });
    expect(t.server.scheduler.has(id)).toBe(true);
    expect((await t.call('DELETE', `/api/v1/scripts/${id}/schedule`, a.key)).status).toBe(204);
  });

  it('needs an account key', async () => {
    expect((await t.call('GET', '/api/v1/scripts/scr_x/schedule', null)).status).toBe(401);
    expect((await t.call('PUT', '/api/v1/scripts/scr_x/schedule', t.adminKey, { cron: '0 9 * * *' })).status).toBe(403);
  });
});

describe('restarts', () => {
  it('keeps schedules across a restart with the same data directory, and the runs continue', async () => {
    let s1: TestServer | null = await startTestServer();
    let s2: TestServer | null = null;
    try {
      const acct = await s1.account('restart');
      const id = await create(s1, acct.key);
      expect((await s1.call('PUT', `/api/v1/scripts/${id}/schedule`, acct.key, { cron: EVERY_SECOND, timezone: 'Europe/Berlin', data: { after: 'restart' } })).status).toBe(200);
      await waitForRuns(s1, acct.key, id, (r) => r.length >= 1);
      const dataDir = s1.dataDir;
      await s1.close();
      s1 = null;
      const restartedAt = Date.now();

      s2 = await startTestServer({ dataDir });
      expect(s2.server.scheduler.has(id)).toBe(true);
      const got = await s2.call('GET', `/api/v1/scripts/${id}/schedule`, acct.key);
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({ cron: EVERY_SECOND, timezone: 'Europe/Berlin', data: { after: 'restart' } });
      const runs = await waitForRuns(s2, acct.key, id, (r) => r.some((e) => Date.parse(e.startedAt) >= restartedAt));
      const fresh = runs.find((e) => Date.parse(e.startedAt) >= restartedAt)!;
      expect((await s2.call('GET', `/api/v1/executions/${fresh.id}`, acct.key)).body).toMatchObject({ trigger: 'schedule', ok: true, result: { after: 'restart' } });
    } finally {
      await s1?.close();
      await s2?.close();
    }
  });
});
