/**
 * Resident memory with many warm scripts. Run by index.mjs in a child process of its own per case,
 * so that the supervisor's RSS is the engine's alone (not the anchor's WebAssembly or the other
 * cases' garbage):
 *
 *   node --no-node-snapshot bench/memory.mjs <scripts> <tenants> <fresh|reuse>
 *
 * Deploys `scripts` distinct scripts spread round-robin over `tenants` tenants, runs each once with
 * the given isolation (so each is compiled, and with `reuse` has its own warm context), then sums the
 * RSS of the supervisor (this process) and of the workers. Prints one JSON object.
 */
import { pathToFileURL } from 'node:url';
import { Engine, prepareScript, timedExecute } from './engine.mjs';
import { variant } from './workload.mjs';

async function rss(engine) {
  const s = await engine.stats();
  const workers = s.workers.reduce((a, w) => a + w.rss, 0);
  const supervisor = process.memoryUsage().rss;
  return {
    supervisor,
    workers,
    total: supervisor + workers,
    tenantsLive: s.workers.reduce((a, w) => a + w.tenants, 0),
    scriptsKnown: s.workers.reduce((a, w) => a + w.scripts, 0),
    perWorker: s.workers.map((w) => ({ rss: w.rss, tenants: w.tenants, scripts: w.scripts })),
    restarts: s.restarts,
  };
}

export async function memoryCase({ scripts = 1000, tenants = 100, isolation = 'reuse', concurrency = 8 }) {
  const engine = new Engine();
  await engine.start();
  try {
    await new Promise((r) => setTimeout(r, 200));
    const idle = await rss(engine);
    const prepared = [];
    for (let i = 0; i < scripts; i++) {
      const tenant = `tenant-${i % tenants}`;
      prepared.push(prepareScript(variant(`${tenant} script ${i}`), tenant, `script-${i}.js`));
    }
    const start = performance.now();
    let next = 0;
    const firstMs = [];
    const lane = async () => {
      while (next < prepared.length) firstMs.push(await timedExecute(engine, prepared[next++], isolation));
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    const warmSeconds = (performance.now() - start) / 1000;
    await new Promise((r) => setTimeout(r, 500));
    const warm = await rss(engine);
    return {
      scripts,
      tenants,
      isolation,
      warmSeconds,
      idle,
      warm,
      perScriptBytes: (warm.total - idle.total) / scripts,
    };
  } finally {
    await engine.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [scripts, tenants, isolation] = process.argv.slice(2);
  const r = await memoryCase({ scripts: Number(scripts), tenants: Number(tenants), isolation });
  process.stdout.write(`${JSON.stringify(r)}\n`);
}
