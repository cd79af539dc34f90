/**
 * Prepared statements, prepared once per SQL text: preparing costs more than running a small
 * query, and the routing path runs several per call.
 */
import type Database from 'better-sqlite3';

export type Sql = (text: string) => Database.Statement;

export function statements(db: Database.Database): Sql {
  const cache = new Map<string, Database.Statement>();
  return (text) => {
    let s = cache.get(text);
    if (!s) {
      s = db.prepare(text);
      cache.set(text, s);
    }
    return s;
  };
}
