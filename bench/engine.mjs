/**
 * ScriptForge through the production execution path: `Engine` (supervised worker processes) and a
 * script prepared once by the runtime, as the server does it. Every result is checked (ok, and the
 * CLI rewritten everywhere) so that no error is ever counted as an execution.
 */
import { Engine } from '../dist/engine/index.js';
import { prepare } from '../dist/runtime/index.js';
import { summarize } from './stats.mjs';
import { INPUT, NEW_CLI, checkResult, variant } from './workload.mjs';

export { Engine };

/** Prepares `code` as the server does on save: a `script` with no modules. */
export function prepareScript(code, tenant, filename = 'routing.js') {
  return prepare(code, { type: 'script', tenant, filename, availableModules: [] });
}

// The result must name the new CLI on routing.cli and on each of the 9 gateways, and the old one nowhere.
const NEW_CLI_FIELD = `"cli":"${NEW_CLI}"`;
const EXPECTED_NEW_CLI_FIELDS = 10;
const OLD_CLI_FIELD = '"cli":"441632960001"';

function countOf(s, needle) {
  let n = 0;
  for (let i = s.indexOf(needle); i !== -1; i = s.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** A cheap exact check for the hot loops (the full parse-and-compare is done on the first result). */
function checkFast(r) {
  if (!r.ok) throw new Error(`execution failed: ${r.error?.name}: ${r.error?.message}`);
  const j = r.resultJson;
  if (countOf(j, NEW_CLI_FIELD) !== EXPECTED_NEW_CLI_FIELDS || j.includes(OLD_CLI_FIELD)) {
    throw new Error(`CLI not rewritten: ${j.slice(0, 300)}`);
  }
}

/** One checked execution: its latency in ms as the caller sees it, and the part spent inside the worker. */
export async function execOnce(engine, script, isolation, input = INPUT) {
  const t = performance.now();
  const r = await engine.execute({ script, type: 'script', input, isolation });
  const ms = performance.now() - t;
  checkFast(r);
  return { ms, workerMs: r.wallMs };
}

/** One checked execution; returns its latency in ms. */
export async function timedExecute(engine, script, isolation, input = INPUT) {
  return (await execOnce(engine, script, isolation, input)).ms;
}

/** Checks the first result fully (parsed and compared field by field). */
export async function verify(engine, script, isolation) {
  const r = await engine.execute({ script, type: 'script', input: INPUT, isolation });
  if (!r.ok) throw new Error(`execution failed: ${r.error?.name}: ${r.error?.message}`);
  checkResult(r.resultJson);
  checkFast(r);
}

/**
 * Sequential calls, one at a time, after warm-up: latency as a caller sees it with no load, and
 * (`inWorker`) the part of it the worker reports spending on the execution, the rest being the trip
 * between supervisor and worker.
 */
export async function latency(engine, script, isolation, { warmup = 300, runs = 3000, maxMs = 3000 } = {}) {
  await verify(engine, script, isolation);
  for (let i = 0; i < warmup; i++) await execOnce(engine, script, isolation);
  const ms = [];
  const inWorker = [];
  const start = performance.now();
  while (ms.length < runs && performance.now() - start < maxMs) {
    const r = await execOnce(engine, script, isolation);
    ms.push(r.ms);
    inWorker.push(r.workerMs);
  }
  const elapsed = (performance.now() - start) / 1000;
  return { perSec: ms.length / elapsed, ...summarize(ms), inWorker: summarize(inWorker) };
}

/** A closed loop with `concurrency` calls in flight for `durationMs`: executions/s and latency under load. */
export async function throughput(engine, script, isolation, { concurrency = 64, durationMs = 3000, warmupMs = 500 } = {}) {
  const loop = async (until, ms) => {
    const lane = async () => {
      while (performance.now() < until) {
        const t = await timedExecute(engine, script, isolation);
        ms?.push(t);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
  };
  await loop(performance.now() + warmupMs, null);
  const ms = [];
  const start = performance.now();
  await loop(start + durationMs, ms);
  const elapsed = (performance.now() - start) / 1000;
  return { concurrency, perSec: ms.length / elapsed, ...summarize(ms) };
}

/**
 * Cold start: the first execute() of `n` newly deployed versions (only a comment differs, so each has
 * its own key and is compiled anew), one at a time. `newTenant` gives each version a tenant of its own,
 * so that its first run also creates the tenant's isolate. Also times prepare(), done at deploy time.
 */
export async function coldStart(engine, { n = 40, tenant = 'bench-cold', newTenant = false, isolation = 'fresh', tag = 'c' } = {}) {
  const first = [];
  const prep = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const script = prepareScript(variant(`${tag}-${i}-${Date.now()}`), newTenant ? `${tenant}-${tag}-${i}` : tenant);
    prep.push(performance.now() - t);
    first.push(await timedExecute(engine, script, isolation));
    await new Promise((r) => setTimeout(r, 5));
  }
  return { isolation, newTenant, ...summarize(first), prepare: summarize(prep) };
}
