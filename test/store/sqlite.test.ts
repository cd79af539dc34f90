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
});
