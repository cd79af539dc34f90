/**
 * Storage. Callers depend on the `Store` interface only; `openStore` picks the implementation (the
 * embedded SQLite file today).
 */
import { SqliteStore } from './sqlite/index.js';
import type { Store } from './types.js';

export * from './types.js';
export { newId } from './ids.js';

export function openStore(opts: { dataDir: string }): Store {
  return new SqliteStore({ dataDir: opts.dataDir });
}
