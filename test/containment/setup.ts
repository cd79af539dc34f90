/**
 * What every containment test file shares: one engine for the file, checked after every test to
 * still serve an ordinary call (containment means the next customer is unaffected), and the
 * "stopped near its CPU limit" assertion.
 */
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { Engine } from '../../src/engine/index.js';
import type { RunOptions } from '../../src/runtime/index.js';
import { exec, startEngine, stillServes } from '../helpers.js';
import { SLACK_MS, timed } from './timing.js';

/** The file's engine (a live binding: set before its first test). */
export let engine: Engine;

export function useEngine(): void {
  beforeAll(async () => {
    engine = await startEngine();
  });
  afterAll(() => engine.close());
  afterEach(async () => {
    expect(await stillServes(engine)).toBe(true);
  });
}

/** Runs `code` under a CPU limit of `cpuMs` and expects a TimeoutError within the limit and some slack. */
export async function expectTimeout(code: string, o: Partial<RunOptions> = {}, cpuMs = 300): Promise<void> {
  const { value: r, ms } = await timed(exec(engine, code, { ...o, limits: { cpuMs, ...o.limits } }));
  expect(r).toMatchObject({ ok: false, error: { code: 'TIMEOUT', name: 'TimeoutError' } });
  expect(ms).toBeLessThan(cpuMs + SLACK_MS);
}
