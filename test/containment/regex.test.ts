// Containment: catastrophic regular expressions (QUALITY.md "Containment", resource abuse). The
// engine runs guests with V8's linear-time fallback for runaway backtracking, so such a match either
// completes or, where the fallback cannot apply (backreferences, lookarounds), is stopped by the CPU
// limit. Either way the answer comes within the bound and the engine serves the next call.
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../src/runtime/index.js';
import { exec } from '../helpers.js';
import { engine, useEngine } from './setup.js';
import { SLACK_MS, timed } from './timing.js';

useEngine();

const CPU_MS = 1000;

/** Completed with `expected`, or stopped by a TimeoutError; within the bound either way. */
async function completesOrTimesOut(code: string, expected: unknown, type: 'script' | 'app' = 'script'): Promise<Envelope> {
  const { value: r, ms } = await timed(exec(engine, code, { type, limits: { cpuMs: CPU_MS } }));
  if (r.ok) expect(r.result).toEqual(expected);
  else expect(r.error).toMatchObject({ code: 'TIMEOUT', name: 'TimeoutError' });
  expect(ms).toBeLessThan(CPU_MS + SLACK_MS);
  return r;
}

describe('nested quantifiers', () => {
  it("/(a+)+$/ on 'a' x 40 + 'b' completes (the linear engine takes over)", async () => {
    const r = await completesOrTimesOut("function main() { return /(a+)+$/.test('a'.repeat(40) + 'b') }", false);
    // With the fallback enabled this is answered, not timed out: that is the point of the flag.
    expect(r).toMatchObject({ ok: true, result: false });
  });

  it('the same on a long input, and a few classic ReDoS shapes', async () => {
    for (const code of [
      "function main() { return /(a+)+$/.test('a'.repeat(100000) + 'b') }",
      "function main() { return /^(a|aa)+$/.test('a'.repeat(5000) + 'b') }",
      "function main() { return /^(\\w+\\s?)*$/.test('word '.repeat(2000) + '!') }",
      "function main() { return /^([a-zA-Z0-9])(([\\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$/.test('a'.repeat(60) + '!') }",
    ]) {
      await completesOrTimesOut(code, false);
    }
  });

  it('in a replace over many matches with a callback', async () => {
    await completesOrTimesOut("function main() { return ('a'.repeat(30) + 'b ').repeat(200).replace(/(a+)+$/gm, () => 'x').length }", 6400);
  });

  it('in an app, after an await', async () => {
    await completesOrTimesOut("async function main() { await null; return /(a+)+$/.test('a'.repeat(40) + 'b') }", false, 'app');
  });
});

describe('where the linear engine cannot help', () => {
  it('a backreference over nested quantifiers: completes or times out, never hangs', async () => {
    await completesOrTimesOut("function main() { return /^(a+)+\\1$/.test('a'.repeat(40) + 'b') }", false);
  });

  it('a lookahead over nested quantifiers: the same', async () => {
    await completesOrTimesOut("function main() { return /^(?=(a+)+$)a/.test('a'.repeat(40) + 'b') }", false);
  });

  it('a huge pattern: compiles or fails as a clean error', async () => {
    const { value: r, ms } = await timed(exec(engine, "function main() { return new RegExp('(a|b)'.repeat(50000)).test('ab') }", { limits: { cpuMs: CPU_MS } }));
    if (!r.ok) expect(['TIMEOUT', 'SCRIPT_ERROR', 'MEMORY_LIMIT']).toContain(r.error.code);
    expect(ms).toBeLessThan(CPU_MS + SLACK_MS);
  });
});
