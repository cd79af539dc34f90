// Containment: engine-level failures (QUALITY.md "Containment"). A guest can hang the V8 isolate
// outside its own timeout (an error whose `message` getter loops forever, read by isolated-vm when
// the error leaves the isolate; an unhandled rejection carrying one) or kill the process (one huge
// allocation). The call in flight gets a typed error near its limit, the worker is killed and
// replaced, the next call is served, and other calls are answered meanwhile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/index.js';
import type { Envelope, RunOptions } from '../../src/runtime/index.js';
import { exec, startEngine, stillServes } from '../helpers.js';
import { SLACK_MS, timed, waitFor } from './timing.js';

/** An error whose message can never be read. */
const POISON = "const poison = new Error('poison'); Object.defineProperty(poison, 'message', { get() { for (;;) {} } });";

const CASES = {
  /** Thrown straight from main: the sandbox reads the message under the isolate's own timeout. */
  thrown: { code: `function main() { ${POISON} throw poison }`, o: { limits: { cpuMs: 300 } } },
  /** Thrown from a Proxy trap while the sandbox describes the thrown value: it leaves the isolate. */
  escaping: { code: `function main() { ${POISON} throw new Proxy({}, { getPrototypeOf() { throw poison } }) }`, o: { limits: { cpuMs: 300 } } },
  /** Rejected, never handled, in a script. */
  unhandledScript: { code: `function main() { ${POISON} Promise.reject(poison); return 1 }`, o: { limits: { cpuMs: 300 } } },
  /** Rejected, never handled, in an app that then awaits a timer. */
  unhandledApp: {
    code: `async function main() { ${POISON} Promise.reject(poison); await new Promise((r) => setTimeout(r, 50)); return 1 }`,
    o: { type: 'app', limits: { cpuMs: 300, wallMs: 1000 } },
  },
  /** One allocation too big for the isolate to stop: V8 dies of it. */
  hugeArray: { code: 'function main() { return new Array(5e7).fill(0).length }', o: { limits: { memoryMb: 32 } } },
} satisfies Record<string, { code: string; o: Partial<RunOptions> }>;

const bound = (o: Partial<RunOptions>) => (o.type === 'app' ? o.limits!.wallMs! : (o.limits!.cpuMs ?? 10_000)) + SLACK_MS;

describe('one worker', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await startEngine({ workers: 1 });
  });
  afterAll(() => engine.close());

  async function attack(c: { code: string; o: Partial<RunOptions> }): Promise<Envelope> {
    const { value: r, ms } = await timed(exec(engine, c.code, c.o));
    expect(ms).toBeLessThan(bound(c.o));
    expect(await stillServes(engine)).toBe(true);
    return r;
  }

  it('a thrown error whose message getter loops forever: TimeoutError', async () => {
    expect(await attack(CASES.thrown)).toMatchObject({ ok: false, error: { code: 'TIMEOUT', name: 'TimeoutError' } });
  });

  it('the same error thrown so that it leaves the isolate: TimeoutError, and the worker is replaced', async () => {
    const restarts = engine.restarts;
    expect(await attack(CASES.escaping)).toMatchObject({ ok: false, error: { code: 'TIMEOUT', name: 'TimeoutError' } });
    expect(engine.restarts).toBe(restarts + 1);
  });

  it('an unhandled rejection carrying such an error, in a script: TimeoutError', async () => {
    expect(await attack(CASES.unhandledScript)).toMatchObject({ ok: false, error: { code: 'TIMEOUT', name: 'TimeoutError' } });
  });

  it('an unhandled rejection carrying such an error, in an app: TimeoutError', async () => {
    expect(await attack(CASES.unhandledApp)).toMatchObject({ ok: false, error: { code: 'TIMEOUT', name: 'TimeoutError' } });
  });

  it('new Array(5e7).fill(0): MemoryLimitError, though the process died of it', async () => {
    const r = await attack(CASES.hugeArray);
    expect(r).toMatchObject({ ok: false, error: { code: 'MEMORY_LIMIT', name: 'MemoryLimitError' } });
    expect(r.ok || r.error.message).toMatch(/Memory limit of 32 MB exceeded/);
  });

  it('a replacement worker is ready within two seconds of the answer', async () => {
    const restarts = engine.restarts;
    const r = await exec(engine, CASES.escaping.code, CASES.escaping.o);
    expect(r).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
    const answered = performance.now();
    await waitFor(() => engine.restarts === restarts + 1, 2000);
    expect(await stillServes(engine)).toBe(true);
    expect(performance.now() - answered).toBeLessThan(2000);
  });
});

describe('two workers', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await startEngine({ workers: 2 });
  });
  afterAll(() => engine.close());

  /** Both workers up (a replaced one reports no memory until it is ready). */
  const allReady = async () => (await engine.stats()).workers.every((w) => w.rss > 0);

  for (const name of ['escaping', 'hugeArray'] as const) {
    it(`other calls are answered while a worker dies of '${name}' and is replaced`, async () => {
      await waitFor(allReady, 3000);
      // The hang gets a longer limit here, so that "meanwhile" has room on a busy machine.
      const c = name === 'escaping' ? { ...CASES.escaping, o: { limits: { cpuMs: 1500 } } } : CASES[name];
      const restarts = engine.restarts;
      const started = performance.now();
      let stuckAnsweredAt = 0;
      const stuck = exec(engine, c.code, c.o).then((r) => {
        stuckAnsweredAt = performance.now();
        return r;
      });
      await new Promise((r) => setTimeout(r, 100)); // the attack is under way
      const answeredAt: number[] = [];
      const others = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          exec(engine, `function main(d) { return d.i * 2 } // ordinary ${i % 4}`, { data: { i }, tenant: `bystander-${i % 3}` }).then((r) => {
            answeredAt.push(performance.now());
            return r;
          }),
        ),
      );
      expect(others.map((r) => r.ok && r.result)).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
      expect((await stuck).ok).toBe(false);
      expect(stuckAnsweredAt - started).toBeLessThan(bound(c.o));
      // Meanwhile: every ordinary call was answered before the attack's own answer.
      expect(Math.max(...answeredAt)).toBeLessThan(stuckAnsweredAt);
      await waitFor(() => engine.restarts === restarts + 1, 2000);
      expect(await stillServes(engine)).toBe(true);
    });
  }
});

// For app and driver executions the supervisor times each guest turn from outside (the worker says
// when one starts): an app that hangs its isolate is stopped near its CPU limit, not its wall limit
// (30 s by default, an hour for voice calls), and calls are routed around its worker meanwhile.
describe('an app that hangs its isolate, with a long wall limit', () => {
  const HANG = { ...CASES.unhandledApp, o: { type: 'app' as const, limits: { cpuMs: 300, wallMs: 3800 } } };
  let engine: Engine;
  beforeAll(async () => {
    engine = await startEngine({ workers: 2 });
  });
  afterAll(() => engine.close());

  it('is stopped near its CPU limit, not at its wall limit', async () => {
    const { value: r, ms } = await timed(exec(engine, HANG.code, HANG.o));
    expect(r).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
    expect(ms).toBeLessThan(300 + SLACK_MS);
  });

  it('does not hold up the calls routed to its worker meanwhile', async () => {
    const hung = exec(engine, HANG.code, HANG.o);
    await new Promise((r) => setTimeout(r, 300));
    const { value: others, ms } = await timed(Promise.all(Array.from({ length: 6 }, (_, i) => exec(engine, `function main() { return ${i} }`))));
    expect(others.every((r) => r.ok)).toBe(true);
    expect(ms).toBeLessThan(2000);
    await hung;
  });
});

// When a worker dies with several script calls in it, only the one that was running is the culprit;
// the calls queued behind it never ran and are run again elsewhere.
describe('calls queued behind a process-killing one', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await startEngine({ workers: 1 });
  });
  afterAll(() => engine.close());

  it('get their own results, and only the culprit fails', async () => {
    const attack = exec(engine, CASES.hugeArray.code, CASES.hugeArray.o);
    const queued = await Promise.all([1, 2, 3].map((n) => exec(engine, 'function main(d) { return d.n + 1 }', { data: { n }, tenant: `queued-${n}` })));
    expect(await attack).toMatchObject({ ok: false, error: { code: 'MEMORY_LIMIT' } });
    expect(queued.map((r) => (r.ok ? r.result : r.error.code))).toEqual([2, 3, 4]);
  });
});
