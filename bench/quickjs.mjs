/**
 * The anchor: the original platform's sandbox library, `@sebastianwessel/quickjs` on the quickjs-ng
 * WebAssembly build, with a fresh sandbox per run as the original does, running the same routing
 * script on the same data (the data goes in as JSON text and the result comes out as JSON text, as
 * in ScriptForge). The WebAssembly module is loaded once, outside the measurement.
 */
import variant from '@jitl/quickjs-ng-wasmfile-release-sync';
import { loadQuickJs } from '@sebastianwessel/quickjs';
import { summarize } from './stats.mjs';

/** The routing script as one ES module for the sandbox: parse the input, call main, give back JSON. */
export function anchorCode(script, inputJson) {
  return `const data = JSON.parse(${JSON.stringify(inputJson)});\n${script}\nexport default JSON.stringify(main(data));\n`;
}

/**
 * Runs `code` sequentially in a fresh sandbox each time, `warmup` runs then `runs` measured runs
 * (stopping early after `maxMs`). Returns executions/s and latency percentiles.
 */
export async function benchQuickJs({ code, check, warmup = 20, runs = 300, maxMs = 10_000 }) {
  const { runSandboxed } = await loadQuickJs(variant);
  const options = { executionTimeout: 10_000 };
  const once = async () => {
    const r = await runSandboxed(async ({ evalCode }) => evalCode(code), options);
    if (!r.ok) throw new Error(`quickjs run failed: ${JSON.stringify(r.error)}`);
    check(r.data);
  };
  for (let i = 0; i < warmup; i++) await once();
  const ms = [];
  const start = performance.now();
  while (ms.length < runs && performance.now() - start < maxMs) {
    const t = performance.now();
    await once();
    ms.push(performance.now() - t);
  }
  const elapsed = (performance.now() - start) / 1000;
  return { perSec: ms.length / elapsed, ...summarize(ms) };
}
