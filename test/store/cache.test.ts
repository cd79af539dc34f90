// The store's in-memory reads (scripts, routing chains, accounts) stay exact across its own writes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/index.js';

function store(cacheEntries?: number): SqliteStore {
  return new SqliteStore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'sf-cache-')), cacheEntries });
}
const base = { type: 'script' as const, code: 'v1', isolation: 'fresh' as const, limits: { cpuMs: 50 }, routing: { timeoutMs: 100 } };

describe('SqliteStore caches', () => {
  it('reads a script as its last write left it: update, deploy, delete', async () => {
    const s = store();
    const a = await s.createAccount('a');
    const sc = await s.createScript(a.id, { ...base, name: 'x' });
    expect(await s.getScript(a.id, sc.id)).toMatchObject({ name: 'x', deployedVersion: 1, latestVersion: 1 });

    await s.updateScript(a.id, sc.id, { name: 'y', code: 'v2', routing: { timeoutMs: 200 } });
    expect(await s.getScript(a.id, sc.id)).toMatchObject({ name: 'y', deployedVersion: 2, latestVersion: 2, routing: { timeoutMs: 200 } });

    await s.updateScript(a.id, sc.id, { code: 'v3', deploy: false });
    expect(await s.getScript(a.id, sc.id)).toMatchObject({ deployedVersion: 2, latestVersion: 3 });

    expect(await s.deploy(a.id, sc.id, 1)).toMatchObject({ deployedVersion: 1 });
    expect(await s.getScript(a.id, sc.id)).toMatchObject({ deployedVersion: 1, latestVersion: 3 });

    expect(await s.deleteScript(a.id, sc.id)).toBe(true);
    expect(await s.getScript(a.id, sc.id)).toBeNull();
    await s.close();
  });

  it("never hands one account's cached script to another", async () => {
    const s = store();
    const a = await s.createAccount('a');
    const b = await s.createAccount('b');
    const sc = await s.createScript(a.id, { ...base, name: 'x' });
    expect(await s.getScript(a.id, sc.id)).not.toBeNull(); // cached now
    expect(await s.getScript(b.id, sc.id)).toBeNull();
    expect(await s.updateScript(b.id, sc.id, { name: 'evil' })).toBeNull();
    expect(await s.deploy(b.id, sc.id, 1)).toBeNull();
    expect(await s.deleteScript(b.id, sc.id)).toBe(false);
    expect(await s.getScript(a.id, sc.id)).toMatchObject({ name: 'x' });
    await s.close();
  });

  it('reads the routing chain and the account as last set', async () => {
    const s = store();
    const a = await s.createAccount('a');
    expect(await s.getRoutingChain(a.id)).toEqual({ runFirst: [], runLast: [] });
    await s.setRoutingChain(a.id, { runFirst: ['scr_1'], runLast: ['scr_2'] });
    expect(await s.getRoutingChain(a.id)).toEqual({ runFirst: ['scr_1'], runLast: ['scr_2'] });
    await s.setRoutingChain(a.id, { runFirst: [], runLast: ['scr_3'] });
    expect(await s.getRoutingChain(a.id)).toEqual({ runFirst: [], runLast: ['scr_3'] });

    expect((await s.getAccount(a.id))!.egress).toEqual({});
    expect(await s.setAccountEgress(a.id, { allow: ['10.0.0.0/8'] })).toMatchObject({ egress: { allow: ['10.0.0.0/8'] } });
    expect((await s.getAccount(a.id))!.egress).toEqual({ allow: ['10.0.0.0/8'] });
    expect(await s.getAccount('acct_missing')).toBeNull();
    await s.close();
  });

  it('hands out frozen values: a caller cannot change what the next one reads', async () => {
    const s = store();
    const a = await s.createAccount('a');
    const sc = await s.createScript(a.id, { ...base, name: 'x' });
    await s.setRoutingChain(a.id, { runFirst: [sc.id], runLast: [] });
    await s.setAccountEgress(a.id, { allow: ['api.corp'] });
    const got = (await s.getScript(a.id, sc.id))!;
    expect(() => { (got as { name: string }).name = 'changed'; }).toThrow(TypeError);
    expect(() => { (got.limits as { cpuMs: number }).cpuMs = 1; }).toThrow(TypeError);
    expect(() => (got.routing as { timeoutMs?: number }).timeoutMs = 1).toThrow(TypeError);
    const chain = await s.getRoutingChain(a.id);
    expect(() => chain.runFirst.push('scr_evil')).toThrow(TypeError);
    const acct = (await s.getAccount(a.id))!;
    expect(() => acct.egress.allow!.push('0.0.0.0/0')).toThrow(TypeError);
    expect(await s.getScript(a.id, sc.id)).toMatchObject({ name: 'x', limits: { cpuMs: 50 }, routing: { timeoutMs: 100 } });
    expect(await s.getRoutingChain(a.id)).toEqual({ runFirst: [sc.id], runLast: [] });
    expect((await s.getAccount(a.id))!.egress).toEqual({ allow: ['api.corp'] });
    await s.close();
  });

  it('keeps at most cacheEntries of each, and still answers from the file beyond that', async () => {
    const s = store(3);
    const a = await s.createAccount('a');
    const ids = [];
    for (let i = 0; i < 6; i++) ids.push((await s.createScript(a.id, { ...base, name: `s${i}` })).id);
    for (const [i, id] of ids.entries()) expect(await s.getScript(a.id, id)).toMatchObject({ name: `s${i}` });
    await s.updateScript(a.id, ids[0], { name: 'renamed' });
    expect(await s.getScript(a.id, ids[0])).toMatchObject({ name: 'renamed' });
    await s.close();

    const off = store(0);
    const b = await off.createAccount('b');
    const sc = await off.createScript(b.id, { ...base, name: 'x' });
    expect(Object.isFrozen(await off.getScript(b.id, sc.id))).toBe(false);
    await off.close();
  });
});

