// cxKV and cxUserspace through the engine, as customer scripts use them, on a real SQLite file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/index.js';
import { MODULES, moduleHost } from '../../src/modules/index.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { example, exec, routingSample, startEngine } from '../helpers.js';

let engine: Engine;
let store: SqliteStore;
let clock = Date.now();
const now = () => clock;
const as = (accountId: string) => ({ tenant: accountId, host: moduleHost({ store, accountId, now }), type: 'app' as const });

beforeAll(async () => {
  engine = await startEngine({ workers: 2, modules: MODULES });
  store = new SqliteStore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'sf-kv-')) });
});
afterAll(async () => {
  await engine.close();
  await store.close();
});

describe('cxUserspace', () => {
  it('c4-dnc-userspace.js, unchanged, rejects a number on the DNC list with 604 and passes others', async () => {
    const data = routingSample();
    await store.docs.create('acct-dnc', 'dnc', String(data.routing.dest_number), JSON.stringify({ added: 'test' }));
    const blocked = await exec(engine, example('c4-dnc-userspace.js'), { ...as('acct-dnc'), data });
    expect(blocked).toMatchObject({ ok: false, error: { sipCode: 604, reason: 'Number on DNC List' } });
    const other = await exec(engine, example('c4-dnc-userspace.js'), { ...as('acct-other'), data });
    expect(other).toMatchObject({ ok: true, result: data });
  });

  it('creates, reads, updates, lists and deletes documents, with clear errors', async () => {
    const code = `const us = require('cxUserspace');
    async function main() {
      await us.create('contacts', 'a:1', { name: 'Ada' });
      await us.create('contacts', 'a:2', { name: 'Alan' });
      await us.create('contacts', 'b:1', { name: 'Bob' });
      let dup; try { await us.create('contacts', 'a:1', {}) } catch (e) { dup = e.name + ': ' + e.message }
      await us.update('contacts', 'a:2', { name: 'Alan T.' });
      const listed = await us.list('contacts', { prefix: 'a:' });
      const gone = await us.delete('contacts', 'b:1');
      return { dup, listed, read: await us.read('contacts', 'a:2'), missing: await us.read('contacts', 'b:1'), gone };
    }`;
    const r = await exec(engine, code, as('acct-docs'));
    expect(r).toMatchObject({
      ok: true,
      result: {
        dup: "UserspaceError: 'a:1' exists already in 'contacts': use update",
        listed: [{ key: 'a:1', data: { name: 'Ada' } }, { key: 'a:2', data: { name: 'Alan T.' } }],
        read: { name: 'Alan T.' }, missing: null, gone: true,
      },
    });
  });
});

describe('cxKV', () => {
  it('c4-fraud-velocity.js, unchanged: blocks after five attempts, and the window expires (injected clock)', async () => {
    const data = routingSample();
    const runs = [];
    for (let i = 0; i < 7; i++) runs.push(await exec(engine, example('c4-fraud-velocity.js'), { ...as('acct-fraud'), data }));
    expect(runs.map((r) => (r.ok ? 'ok' : r.error.sipCode))).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 603, 603]);
    clock += 1801 * 1000; // past the 1800 s block
    expect((await exec(engine, example('c4-fraud-velocity.js'), { ...as('acct-fraud'), data })).ok).toBe(true);
  });

  it('a honeypot that blocks after three attempts, with incr and TTLs', async () => {
    const code = `import { kv, incr } from 'cxKV';
    export async function main(d) {
      if (await kv.get('blocked:' + d.cli)) throw new Error('403 Honeypot');
      const n = await incr('hits:' + d.cli, 1, 60);
      if (n >= 3) await kv.set('blocked:' + d.cli, 'yes', 300);
      return n;
    }`;
    const go = () => exec(engine, code, { ...as('acct-honey'), data: { cli: '4471' } });
    expect([(await go()).ok, (await go()).ok, (await go()).ok]).toEqual([true, true, true]);
    expect(await go()).toMatchObject({ ok: false, error: { sipCode: 403 } });
    clock += 301 * 1000;
    expect(await go()).toMatchObject({ ok: true, result: 1 }); // both the block and the count expired
  });

  it('counts exactly under concurrent executions across worker processes', async () => {
    const code = "const { incr, kv } = require('cxKV');\nasync function main() { await incr('calls', 1); return true }";
    const all = await Promise.all(Array.from({ length: 200 }, () => exec(engine, code, as('acct-count'))));
    expect(all.every((r) => r.ok)).toBe(true);
    const r = await exec(engine, "const { kv } = require('cxKV');\nasync function main() { const v = await kv.get('calls'); return [typeof v, v] }", as('acct-count'));
    expect(r).toMatchObject({ ok: true, result: ['string', '200'] });
  });

  it('keeps JSON objects with ko, lists keys, reports usage, and enforces its limits', async () => {
    const code = `const { kv, ko, keys, usage } = require('cxKV');
    async function main() {
      await ko.set('cfg:routes', { max: 5, carriers: ['a', 'b'] });
      await kv.set('cfg:name', 'main');
      let big; try { await kv.set('big', 'x'.repeat(70000)) } catch (e) { big = e.name }
      let obj; try { await kv.set('o', { a: 1 }) } catch (e) { obj = e.message }
      return { cfg: await ko.get('cfg:routes'), keys: await keys('cfg:'), usage: await usage(), big, obj };
    }`;
    const r = await exec(engine, code, as('acct-ko'));
    expect(r).toMatchObject({
      ok: true,
      result: { cfg: { max: 5, carriers: ['a', 'b'] }, keys: ['cfg:name', 'cfg:routes'], usage: { keys: 2 }, big: 'QuotaExceededError', obj: 'kv.set stores strings: use ko.set for objects' },
    });
  });

  it('keeps accounts apart', async () => {
    await exec(engine, "const { kv } = require('cxKV');\nasync function main() { await kv.set('secret', 'alpha') }", as('acct-alpha'));
    const r = await exec(engine, "const { kv, keys } = require('cxKV');\nasync function main() { return [await kv.get('secret'), await keys()] }", as('acct-beta'));
    expect(r).toMatchObject({ ok: true, result: [null, []] });
  });
});
