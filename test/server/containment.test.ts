// A guest that kills its worker fails only its own request: the server keeps answering, and
// /metrics counts the restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../server-helpers.js';

let t: TestServer;
let a: { id: string; key: string };
beforeAll(async () => {
  t = await startTestServer({ workers: 2 });
  a = await t.account('victim');
});
afterAll(() => t.close());

const ATTACKS = {
  'a BigInt power the isolate cannot interrupt': { code: 'function main() { return String(7n ** 50000000n).length }', limits: { cpuMs: 300 }, code_: 'TIMEOUT', restarts: 1 },
  'an error whose message getter loops': { code: "function main() { const e = new Error('x'); Object.defineProperty(e, 'message', { get() { for (;;); } }); throw e }", limits: { cpuMs: 300 }, code_: 'TIMEOUT', restarts: 0 }, // stopped inside the isolate
  'one huge allocation': { code: 'function main() { return new Array(5e7).fill(0).length }', limits: { memoryMb: 32 }, code_: 'MEMORY_LIMIT', restarts: 1 },
};

describe('a guest that takes its worker down', () => {
  for (const [name, attack] of Object.entries(ATTACKS)) {
    it(`${name}: fails alone, others are answered, a restart is counted when there was one`, async () => {
      const bad = (await t.call('POST', '/api/v1/scripts', a.key, { name: 'attack', type: 'script', code: attack.code, limits: attack.limits })).body;
      const good = (await t.call('POST', '/api/v1/scripts', a.key, { name: 'fine', type: 'script', code: 'function main(d) { return d.n + 1 }' })).body;
      const before = /scriptforge_worker_restarts_total (\d+)/.exec((await t.call('GET', '/metrics', null)).text)![1];
      const attackRun = t.call('POST', `/api/v1/scripts/${bad.id}/run`, a.key, {});
      await new Promise((r) => setTimeout(r, 30));
      const others = await Promise.all(Array.from({ length: 10 }, (_, n) => t.call('POST', `/api/v1/scripts/${good.id}/run`, a.key, { n })));
      expect(others.map((r) => r.body.result)).toEqual(Array.from({ length: 10 }, (_, n) => n + 1));
      const r = await attackRun;
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ ok: false, error: { code: attack.code_ } });
      // The worker's exit is seen a moment after the answer: give the counter up to 2 s.
      let after = 0;
      for (let i = 0; i < 40; i++) {
        after = Number(/scriptforge_worker_restarts_total (\d+)/.exec((await t.call('GET', '/metrics', null)).text)![1]);
        if (after >= Number(before) + attack.restarts) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(after).toBe(Number(before) + attack.restarts);
      expect((await t.call('GET', '/healthz', null)).body.ok).toBe(true);
    });
  }
});
