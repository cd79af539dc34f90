// Under overload the server sheds load with 503 and recovers.
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { hashKey } from '../../src/server/auth.js';
import { buildApp } from '../../src/server/index.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';

describe('overload', () => {
  it('answers 503 with Retry-After beyond the queue, and serves again afterwards', async () => {
    const store = new SqliteStore({ dataDir: ':memory:' });
    const engine = new Engine({ workers: 1, maxInFlightPerWorker: 2, maxQueue: 2 });
    await engine.start();
    const { app } = await buildApp({ store, engine });
    try {
      const acct = await store.createAccount('busy');
      await store.addApiKey(acct.id, hashKey('sf_busy'));
      const s = await store.createScript(acct.id, { name: 'slow', type: 'app', code: 'async function main() { await new Promise((r) => setTimeout(r, 300)); return 1 }', isolation: 'fresh', limits: {} });
      const run = () => app.inject({ method: 'POST', url: `/api/v1/scripts/${s.id}/run`, headers: { authorization: 'Bearer sf_busy' } });
      const answers = await Promise.all(Array.from({ length: 10 }, run));
      const codes = answers.map((r) => r.statusCode);
      expect(codes.filter((c) => c === 200)).toHaveLength(4);
      expect(codes.filter((c) => c === 503)).toHaveLength(6);
      const shed = answers.find((r) => r.statusCode === 503)!;
      expect(shed.headers['retry-after']).toBe('1');
      expect(shed.json().error.code).toBe('OVERLOADED');
      expect((await run()).statusCode).toBe(200);
    } finally {
      await app.close();
      await engine.close();
      await store.close();
    }
  });
});
