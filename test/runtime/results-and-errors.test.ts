// Results and errors as users see them (PRODUCT.md §3): JSON results, SIP-style failures, positions, console.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/index.js';
import { exec, startEngine } from '../helpers.js';

let engine: Engine;
beforeAll(async () => {
  engine = await startEngine();
});
afterAll(() => engine.close());

describe('SIP-style failures', () => {
  it("maps throw new Error('604 Number on DNC List') to sipCode and reason", async () => {
    const r = await exec(engine, "function main() { throw new Error('604 Number on DNC List') }");
    expect(r).toMatchObject({ ok: false, error: { sipCode: 604, reason: 'Number on DNC List', message: '604 Number on DNC List' } });
  });

  it('maps Promise.reject([604, reason]) from an app', async () => {
    const r = await exec(engine, "function main() { return Promise.reject([604, 'Number on DNC List']) }", { type: 'app' });
    expect(r).toMatchObject({ ok: false, error: { sipCode: 604, reason: 'Number on DNC List' } });
  });

  it('maps throw [486, reason]', async () => {
    const r = await exec(engine, "function main() { throw [486, 'Busy Here'] }");
    expect(r).toMatchObject({ ok: false, error: { sipCode: 486, reason: 'Busy Here' } });
  });

  it('leaves other errors as execution errors with the line and column in the customer source', async () => {
    const r = await exec(engine, "function main(d) {\n  const x = 1;\n  return d.route.cli;\n}", { data: {} });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ name: 'TypeError', code: 'SCRIPT_ERROR', line: 3, column: 18 });
    expect(r.error.sipCode).toBeUndefined();
  });

  it('does not take numbers outside 400-699 as SIP codes', async () => {
    const r = await exec(engine, "function main() { throw new Error('200 fine') }");
    expect(r.ok || r.error.sipCode).toBeUndefined();
  });

  it('describes thrown non-errors', async () => {
    const r = await exec(engine, "function main() { throw { reason: 'odd' } }");
    expect(r.ok || r.error.message).toBe("Uncaught { reason: 'odd' }");
  });

  it('reports syntax errors with line and column, before running', async () => {
    const r = await exec(engine, 'function main() {\n  return 1 +;\n}');
    expect(r).toMatchObject({ ok: false, error: { name: 'SyntaxError', code: 'SYNTAX_ERROR', line: 2, column: 13 } });
  });
});

describe('script type is synchronous', () => {
  it.each([
    ["const kv = require('cxKV');\nfunction main() {}", /require\('cxKV'\) at line 1/],
    ["async function main() {\n  await 1;\n}", /await at line 2/],
    ["import x from 'dayjs';\nexport function main() {}", /import from 'dayjs' at line 1/],
  ])('refuses %j naming the problem and suggesting app', async (code, message) => {
    const r = await exec(engine, code);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ name: 'ExecutionTypeError', code: 'WRONG_TYPE' });
    expect(r.error.message).toMatch(message);
    expect(r.error.message).toContain("use type 'app'");
  });

  it('refuses a returned Promise', async () => {
    const r = await exec(engine, 'function main() { return Promise.resolve(1) }');
    expect(r.ok || r.error.message).toMatch(/returned a Promise.*use type 'app'/);
  });

  it('refuses timers', async () => {
    const r = await exec(engine, 'function main() { setTimeout(() => {}, 1); return 1 }');
    expect(r.ok || r.error.message).toMatch(/setTimeout is not available in type 'script'/);
  });
});

describe('results', () => {
  it.each([
    ['function main() { return { a: 1, f() {} } }', 'result.f is a function'],
    ['function main() { return { n: 10n } }', 'result.n is a BigInt'],
    ['function main() { return [Symbol("s")] }', 'result[0] is a symbol'],
    ['function main() { return { m: new Map([[1, 2]]) } }', 'result.m is a Map'],
    ['function main() { const o = {}; o.self = o; return o }', 'cycle'],
    ['function main() { return { get x() { throw new Error("boom") } } }', 'threw'],
  ])('%s fails with a SerializationError naming the problem', async (code, message) => {
    const r = await exec(engine, code);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ name: 'SerializationError', code: 'RESULT_NOT_JSON' });
    expect(r.error.message).toContain(message);
  });

  it('serializes dates and drops undefined properties, as JSON does', async () => {
    const r = await exec(engine, 'function main() { return { d: new Date(0), u: undefined } }');
    expect(r).toMatchObject({ ok: true, result: { d: '1970-01-01T00:00:00.000Z' } });
  });

  it('returns null for undefined, or the data as left when asked (Class 4), with a warning', async () => {
    const code = 'function main(d) { d.routing.cli = "x" }';
    expect(await exec(engine, code, { data: { routing: { cli: 'a' } } })).toMatchObject({ ok: true, result: null });
    const r = await exec(engine, code, { data: { routing: { cli: 'a' } }, returnInputIfUndefined: true });
    expect(r).toMatchObject({ ok: true, result: { routing: { cli: 'x' } } });
    expect(r.logs[0]).toMatchObject({ level: 'warn' });
    expect(r.logs[0].message).toMatch(/returned nothing/);
  });
});

describe('console', () => {
  it('captures every level with timestamps and Node-like formatting', async () => {
    const before = Date.now();
    const r = await exec(engine, [
      'function main() {',
      '  console.log("a %s b %d", "x", 42, { k: [1, "two"] });',
      '  console.info("info"); console.warn("warn"); console.error(new Error("bad")); console.debug(null, undefined);',
      '  return 1',
      '}',
    ].join('\n'));
    expect(r.ok).toBe(true);
    expect(r.logs.map((l) => l.level)).toEqual(['log', 'info', 'warn', 'error', 'debug']);
    expect(r.logs[0].message).toBe("a x b 42 { k: [ 1, 'two' ] }");
    expect(r.logs[3].message).toMatch(/^Error: bad\n\s+at main \(script\.js:3/);
    expect(r.logs[4].message).toBe('null undefined');
    expect(r.logs[0].ts).toBeGreaterThanOrEqual(before - 1000);
  });

  it('caps the log and says so in a final entry', async () => {
    const r = await exec(engine, 'function main() { for (let i = 0; i < 5000; i++) console.log("line " + i + " ".repeat(50)); return 1 }', {
      limits: { logBytes: 4096 },
    });
    expect(r.ok).toBe(true);
    const size = r.logs.reduce((n, l) => n + l.message.length, 0);
    expect(size).toBeLessThanOrEqual(4096);
    expect(r.logs.at(-1)!.message).toMatch(/^log truncated: \d+ more entries were dropped/);
    expect(r.logs[0].message).toMatch(/^line 0/);
  });
});

describe('process.env', () => {
  it('holds the variables given, and nothing else of the host process', async () => {
    const r = await exec(engine, 'function main() { return [process.env.ACCOUNT_ID, process.env.HOME, typeof process.exit, Object.keys(process)] }', {
      env: { ACCOUNT_ID: '1042' },
    });
    expect(r).toMatchObject({ ok: true, result: ['1042', null, 'undefined', ['env']] });
  });
});
