// The embedded store: per-account scoping and execution retention, on a real SQLite file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/index.js';

function store(retain?: number): SqliteStore {
  return new SqliteStore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'sf-store-')), executionsPerScript: retain });
}

describe('SqliteStore', () => {
  it('keeps only the newest executions of a script, beyond the retention limit', async () => {
    const s = store(10);
    const a = await s.createAccount('a');
    const sc = await s.createScript(a.id, { name: 'x', type: 'script', code: '', isolation: 'fresh', limits: {} });
    for (let i = 0; i < 120; i++) {
      await s.recordExecution({
        id: `exe_${i}`, accountId: a.id, scriptId: sc.id, version: 1, fn: 'main', trigger: 'api', ok: true, resultJson: String(i),
        error: null, logs: [], cpuMs: 0, wallMs: 0, startedAt: new Date().toISOString(),
      });
    }
    const kept = await s.listExecutions(a.id, { scriptId: sc.id, limit: 1000 });
    expect(kept.length).toBeGreaterThanOrEqual(10);
    expect(kept.length).toBeLessThanOrEqual(60); // trimmed every 50 writes
    expect(kept[0].id).toBe('exe_119');
    expect(await s.getExecution(a.id, 'exe_0')).toBeNull();
    await s.close();
  });

  it('writes executions behind, yet a read finds each one at once, and close() writes those waiting', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-store-'));
    let s = new SqliteStore({ dataDir: dir });
    const a = await s.createAccount('a');
    const record = (id: string) => s.recordExecution({
      id, accountId: a.id, scriptId: 'scr_x', version: 1, fn: 'main', trigger: 'routing', ok: true, resultJson: '{}',
      error: null, logs: [], cpuMs: 0, wallMs: 0, startedAt: new Date().toISOString(),
    });
    await record('exe_read');
    expect((await s.getExecution(a.id, 'exe_read'))?.trigger).toBe('routing');
    await record('exe_listed');
    expect((await s.listExecutions(a.id, { limit: 10 })).map((e) => e.id)).toEqual(['exe_listed', 'exe_read']);
    await record('exe_at_close');
    await s.close();
    s = new SqliteStore({ dataDir: dir });
    expect(await s.getExecution(a.id, 'exe_at_close')).not.toBeNull();
    await s.close();
  });

  it('scopes every read and write to the account', async () => {
    const s = store();
    const a = await s.createAccount('a');
    const b = await s.createAccount('b');
    const sc = await s.createScript(a.id, { name: 'x', type: 'script', code: 'v1', isolation: 'fresh', limits: {} });
    expect(await s.getScript(b.id, sc.id)).toBeNull();
    expect(await s.updateScript(b.id, sc.id, { code: 'evil' })).toBeNull();
    expect(await s.deploy(b.id, sc.id, 1)).toBeNull();
    expect(await s.deleteScript(b.id, sc.id)).toBe(false);
    expect(await s.getVersion(b.id, sc.id, 1)).toBeNull();
    expect(await s.listVersions(b.id, sc.id)).toEqual([]);
    await s.setEnv(b.id, sc.id, [{ name: 'X', value: 'evil', secret: false }]);
    expect(await s.getEnv(a.id, sc.id)).toEqual([]);
    expect((await s.getVersion(a.id, sc.id, 1))!.code).toBe('v1');
    await s.close();
  });

  it('claims due jobs once, and queues again the runs a crash cut off', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-store-'));
    let s = new SqliteStore({ dataDir: dir });
    const a = await s.createAccount('a');
    const base = { accountId: a.id, scriptId: 'scr_x', fn: 'main', dataJson: '{}', maxAttempts: 3, backoffMs: 10 };
    await s.jobs.add({ ...base, id: 'job_due', runAt: 1000 });
    await s.jobs.add({ ...base, id: 'job_later', runAt: 5000 });
    expect(await s.jobs.nextDue()).toBe(1000);
    const claimed = await s.jobs.claim(2000, 10);
    expect(claimed.map((j) => [j.id, j.status, j.attempts])).toEqual([['job_due', 'running', 1]]);
    expect(await s.jobs.claim(2000, 10)).toEqual([]); // not twice
    expect(await s.jobs.countActive(a.id)).toBe(2);
    await s.close(); // the process dies while job_due runs

    s = new SqliteStore({ dataDir: dir });
    expect(await s.jobs.requeueRunning(3000)).toBe(1);
    const again = await s.jobs.claim(3000, 10);
    expect(again.map((j) => [j.id, j.attempts])).toEqual([['job_due', 2]]);
    await s.jobs.settle('job_due', { status: 'succeeded', resultJson: '"done"', executionId: 'exe_1' });
    expect(await s.jobs.get(a.id, 'job_due')).toMatchObject({ status: 'succeeded', attempts: 2, resultJson: '"done"', lastExecutionId: 'exe_1' });
    expect(await s.jobs.get('acct_other', 'job_due')).toBeNull();
    expect(await s.jobs.countActive(a.id)).toBe(1);
    await s.close();
  });
});
