/** cxKV data in SQLite. Expired rows read as missing and are removed as they are met. */
import type Database from 'better-sqlite3';
import { statements } from './statements.js';
import type { KvStore } from '../types.js';

type Row = { value: string; json: number; expires_at: number | null };

export function sqliteKv(db: Database.Database): KvStore {
  const sql = statements(db);
  const getRow = sql('SELECT value, json, expires_at FROM kv WHERE account_id = ? AND key = ?');
  const upsert = sql(
    `INSERT INTO kv (account_id, key, value, json, expires_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (account_id, key) DO UPDATE SET value = excluded.value, json = excluded.json, expires_at = excluded.expires_at`,
  );
  const del = sql('DELETE FROM kv WHERE account_id = ? AND key = ?');
  const live = (r: Row | undefined, now: number) => r !== undefined && (r.expires_at === null || r.expires_at > now);
  // One transaction, in the one process that owns the database: concurrent executions in any worker
  // go through here one at a time, so the read-add-write is atomic.
  const incr = db.transaction((accountId: string, key: string, by: number, expireSeconds: number, now: number): number => {
    const r = getRow.get(accountId, key) as Row | undefined;
    const alive = live(r, now);
    const current = alive ? Number(r!.value) : 0;
    const next = (Number.isFinite(current) ? current : 0) + by;
    const expires = expireSeconds > 0 ? now + expireSeconds * 1000 : alive ? r!.expires_at : null;
    upsert.run(accountId, key, String(next), 0, expires);
    return next;
  });
  return {
    async get(accountId, key, now) {
      const r = getRow.get(accountId, key) as Row | undefined;
      if (!r) return null;
      if (!live(r, now)) {
        del.run(accountId, key);
        return null;
      }
      return { value: r.value, json: r.json === 1 };
    },
    async set(accountId, key, value, json, ttlSeconds, now) {
      upsert.run(accountId, key, value, json ? 1 : 0, ttlSeconds > 0 ? now + ttlSeconds * 1000 : null);
    },
    async incr(accountId, key, by, expireSeconds, now) {
      return incr(accountId, key, by, expireSeconds, now);
    },
    async delete(accountId, key) {
      return del.run(accountId, key).changes > 0;
    },
    async keys(accountId, prefix, now, limit) {
      const rows = sql(`SELECT key FROM kv WHERE account_id = ? AND key >= ? AND key < ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY key LIMIT ?`)
        .all(accountId, prefix, `${prefix}\uffff`, now, limit) as { key: string }[];
      return rows.map((r) => r.key);
    },
    async usage(accountId, now) {
      const r = sql('SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(key) + LENGTH(value)), 0) AS bytes FROM kv WHERE account_id = ? AND (expires_at IS NULL OR expires_at > ?)')
        .get(accountId, now) as { n: number; bytes: number };
      return { keys: r.n, bytes: r.bytes };
    },
  };
}
