/** cxUserspace documents in SQLite: per account, per area, by key. */
import type Database from 'better-sqlite3';
import { statements } from './statements.js';
import type { DocStore } from '../types.js';

export function sqliteDocs(db: Database.Database): DocStore {
  const sql = statements(db);
  const now = () => new Date().toISOString();
  return {
    async create(accountId, area, key, json) {
      return sql('INSERT INTO docs (account_id, area, key, json, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING').run(accountId, area, key, json, now()).changes > 0;
    },
    async read(accountId, area, key) {
      const r = sql('SELECT json FROM docs WHERE account_id = ? AND area = ? AND key = ?').get(accountId, area, key) as { json: string } | undefined;
      return r ? r.json : null;
    },
    async update(accountId, area, key, json) {
      return sql('UPDATE docs SET json = ?, updated_at = ? WHERE account_id = ? AND area = ? AND key = ?').run(json, now(), accountId, area, key).changes > 0;
    },
    async delete(accountId, area, key) {
      return sql('DELETE FROM docs WHERE account_id = ? AND area = ? AND key = ?').run(accountId, area, key).changes > 0;
    },
    async list(accountId, area, prefix, limit) {
      return sql('SELECT key, json FROM docs WHERE account_id = ? AND area = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?')
        .all(accountId, area, prefix, `${prefix}\uffff`, limit) as { key: string; json: string }[];
    },
    async usage(accountId) {
      const r = sql('SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(key) + LENGTH(json)), 0) AS bytes FROM docs WHERE account_id = ?').get(accountId) as { n: number; bytes: number };
      return { docs: r.n, bytes: r.bytes };
    },
  };
}
