/** cxJob's queue in SQLite: a row per job; claiming due jobs is one transaction. */
import type Database from 'better-sqlite3';
import { statements } from './statements.js';
import type { ErrorInfo } from '../../engine/index.js';
import type { Job, JobStatus, JobStore } from '../types.js';

type Row = Record<string, unknown>;

function job(r: Row): Job {
  return {
    id: r.id as string,
    accountId: r.account_id as string,
    scriptId: r.script_id as string,
    fn: r.fn as string,
    dataJson: r.data_json as string,
    status: r.status as JobStatus,
    attempts: r.attempts as number,
    maxAttempts: r.max_attempts as number,
    backoffMs: r.backoff_ms as number,
    runAt: r.run_at as number,
    resultJson: (r.result_json as string | null) ?? null,
    error: r.error_json ? (JSON.parse(r.error_json as string) as ErrorInfo) : null,
    lastExecutionId: (r.last_execution_id as string | null) ?? null,
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  };
}

export function sqliteJobs(db: Database.Database): JobStore {
  const sql = statements(db);
  const iso = () => new Date().toISOString();
  const getOne = sql('SELECT * FROM jobs WHERE account_id = ? AND id = ?');
  const due = sql("SELECT * FROM jobs WHERE status = 'queued' AND run_at <= ? ORDER BY run_at LIMIT ?");
  const start = sql("UPDATE jobs SET status = 'running', attempts = attempts + 1, run_at = ?, updated_at = ? WHERE id = ?");
  const claim = db.transaction((now: number, limit: number): Job[] => {
    const rows = due.all(now, limit) as Row[];
    const t = iso();
    for (const r of rows) start.run(now, t, r.id);
    return rows.map((r) => ({ ...job(r), status: 'running' as const, attempts: (r.attempts as number) + 1, runAt: now, updatedAt: t }));
  });
  return {
    async add(j) {
      const t = iso();
      sql(
        `INSERT INTO jobs (id, account_id, script_id, fn, data_json, status, max_attempts, backoff_ms, run_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?)`,
      ).run(j.id, j.accountId, j.scriptId, j.fn, j.dataJson, j.maxAttempts, j.backoffMs, j.runAt, t, t);
      return job(getOne.get(j.accountId, j.id) as Row);
    },
    async get(accountId, id) {
      const r = getOne.get(accountId, id) as Row | undefined;
      return r ? job(r) : null;
    },
    async list(accountId, q) {
      const rows = q.status
        ? sql('SELECT * FROM jobs WHERE account_id = ? AND status = ? ORDER BY created_at DESC, id DESC LIMIT ?').all(accountId, q.status, q.limit)
        : sql('SELECT * FROM jobs WHERE account_id = ? ORDER BY created_at DESC, id DESC LIMIT ?').all(accountId, q.limit);
      return (rows as Row[]).map(job);
    },
    async countActive(accountId) {
      const r = sql("SELECT COUNT(*) AS n FROM jobs WHERE account_id = ? AND status IN ('queued', 'running')").get(accountId) as { n: number };
      return r.n;
    },
    async claim(now, limit) {
      return limit > 0 ? claim(now, limit) : [];
    },
    async nextDue() {
      const r = sql("SELECT MIN(run_at) AS at FROM jobs WHERE status = 'queued'").get() as { at: number | null };
      return r.at;
    },
    async settle(id, s) {
      sql(
        `UPDATE jobs SET status = ?, run_at = COALESCE(?, run_at), result_json = ?, error_json = ?, last_execution_id = ?, updated_at = ? WHERE id = ?`,
      ).run(s.status, s.runAt ?? null, s.resultJson ?? null, s.error ? JSON.stringify(s.error) : null, s.executionId, iso(), id);
    },
    async requeueRunning(now) {
      return sql("UPDATE jobs SET status = 'queued', run_at = ?, updated_at = ? WHERE status = 'running'").run(now, iso()).changes;
    },
  };
}
