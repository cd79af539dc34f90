/** Shared by the tests: a real engine (real worker processes) and a one-call runner. */
import fs from 'node:fs';
import { Engine, type EngineOptions } from '../src/engine/index.js';
import { run, type Envelope, type RunOptions } from '../src/runtime/index.js';

export const EXAMPLES = new URL('../examples/', import.meta.url);

export function example(name: string): string {
  return fs.readFileSync(new URL(name, EXAMPLES), 'utf8');
}

export function routingSample(): { routing: Record<string, unknown> } {
  return JSON.parse(example('routing-sample.json')) as { routing: Record<string, unknown> };
}

/** Starts an engine for a test file; call the returned stop() in afterAll. */
export async function startEngine(opts: EngineOptions = {}): Promise<Engine> {
  const engine = new Engine({ workers: 1, ...opts });
  await engine.start();
  return engine;
}

/** Runs code once; `type` defaults to script. */
export function exec(engine: Engine, code: string, o: Partial<RunOptions> = {}): Promise<Envelope> {
  return run(engine, { code, type: 'script', ...o });
}

/** The next ordinary call succeeds: the engine survived whatever came before. */
export async function stillServes(engine: Engine): Promise<boolean> {
  const r = await exec(engine, 'function main(d) { return d.n + 1 }', { data: { n: 41 } });
  return r.ok && r.result === 42;
}
