/**
 * What the sandbox's modules cost, through the production path (Engine + moduleHost over a real
 * SQLite store), measured side by side in one run:
 * - the routing script (which imports nothing) on an engine with no modules registered and on one
 *   with every module and library registered: the libraries' existence must not slow it;
 * - an `app` that returns at once, and the same app doing one `kv.get` (the host round trip), and
 *   100 of them in one execution (the cost per call once the execution is running);
 * - an `app` whose first line loads dayjs with its timezone plugin (fresh context: compiled from the
 *   code cache, defined per execution).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../dist/engine/index.js';
import { MODULES, moduleHost } from '../dist/modules/index.js';
import { prepare } from '../dist/runtime/index.js';
import { openStore } from '../dist/store/index.js';
import { latency, prepareScript } from './engine.mjs';
import { summarize } from './stats.mjs';
import { ROUTING_SCRIPT } from './workload.mjs';

const APPS = {
  empty: 'async function main() { return 1 }',
  kvGet: "const { kv } = require('cxKV'); async function main() { return kv.get('greeting') }",
  kvGet100: "const { kv } = require('cxKV'); async function main() { let v; for (let i = 0; i < 100; i++) v = await kv.get('greeting'); return v }",
  dayjs: "const dayjs = require('dayjs'); dayjs.extend(require('dayjs/plugin/utc')); dayjs.extend(require('dayjs/plugin/timezone')); async function main() { return dayjs.tz('2026-11-26 10:00', 'Europe/Berlin').hour() }",
};

async function appLatency(engine, script, host, { warmup = 100, runs = 1500, maxMs = 2500 } = {}) {
  const once = async () => {
    const t = performance.now();
    const r = await engine.execute({ script, type: 'app', input: '', isolation: 'fresh', host });
    if (!r.ok) throw new Error(`${r.error.name}: ${r.error.message}`);
    return performance.now() - t;
  };
  for (let i = 0; i < warmup; i++) await once();
  const ms = [];
  const start = performance.now();
  while (ms.length < runs && performance.now() - start < maxMs) ms.push(await once());
  return summarize(ms);
}

export async function benchModules(progress) {
  // 1. The same import-free routing script, without and with the module registry.
  const bare = new Engine();
  const full = new Engine({ modules: MODULES });
  await bare.start();
  await full.start();
  const routing = { withoutModules: {}, withModules: {} };
  for (const isolation of ['fresh', 'reuse']) {
    progress(`modules: routing script, ${isolation}, engine without / with the module registry`);
    // Three rounds, alternating which goes first, best p50 of each: drift on a noisy machine (and
    // the first round's warm-up) hits both alike.
    const runs = { bare: [], full: [] };
    for (let round = 0; round < 3; round++) {
      const order = round % 2 ? ['full', 'bare'] : ['bare', 'full'];
      for (const which of order) {
        const engine = which === 'bare' ? bare : full;
        runs[which].push(await latency(engine, prepareScript(ROUTING_SCRIPT, `t-${which}`), isolation, { runs: 1500, maxMs: 1500 }));
      }
    }
    const best = (rs) => ({ p50: Math.min(...rs.map((r) => r.p50)), p99: Math.min(...rs.map((r) => r.p99)) });
    routing.withoutModules[isolation] = best(runs.bare);
    routing.withModules[isolation] = best(runs.full);
  }
  await bare.close();

  // 2. Module calls against a real SQLite file.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-bench-modules-'));
  const store = openStore({ dataDir: dir });
  const account = await store.createAccount('bench');
  await store.kv.set(account.id, 'greeting', 'hello', false, 0, Date.now());
  const host = moduleHost({ store, accountId: account.id });
  const apps = {};
  for (const [name, code] of Object.entries(APPS)) {
    progress(`modules: app '${name}'`);
    const script = prepare(code, { type: 'app', tenant: account.id, filename: `${name}.js`, availableModules: full.moduleNames });
    apps[name] = await appLatency(full, script, host, name === 'kvGet100' ? { warmup: 20, runs: 300 } : {});
  }
  await full.close();
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    routing,
    apps,
    kvGetRoundTripMs: apps.kvGet.p50 - apps.empty.p50,
    kvGetInLoopMs: (apps.kvGet100.p50 - apps.empty.p50) / 100,
    dayjsLoadMs: apps.dayjs.p50 - apps.empty.p50,
  };
}
