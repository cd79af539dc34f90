// Code formats customers write (PRODUCT.md §2): legacy scripts, CommonJS drivers, ES modules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/index.js';
import { exec, startEngine } from '../helpers.js';

const modules = {
  greet: { source: "exports.hello = (n) => 'hello ' + n; exports.version = 2;" },
  shout: { source: "const g = require('greet'); module.exports = (n) => g.hello(n).toUpperCase();", deps: ['greet'] },
  esm: { source: "Object.defineProperty(exports, '__esModule', { value: true }); exports.default = 'the default'; exports.named = 'a name';" },
};

let engine: Engine;
beforeAll(async () => {
  engine = await startEngine({ modules });
});
afterAll(() => engine.close());

describe('legacy scripts', () => {
  it('calls a global function main with data', async () => {
    const r = await exec(engine, 'function main(data = {}) { return data.a * 2 }', { data: { a: 21 } });
    expect(r).toMatchObject({ ok: true, result: 42 });
  });

  it('calls any top-level function by name', async () => {
    const r = await exec(engine, 'function main() { return 1 }\nconst other = function (d) { return d.x + 1 }', { fn: 'other', data: { x: 1 } });
    expect(r).toMatchObject({ ok: true, result: 2 });
  });

  it('names the callable functions when fn is unknown', async () => {
    const r = await exec(engine, 'function main() {}\nfunction helper() {}\nconst notAFunction = 3', { fn: 'nope' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ name: 'FunctionNotFoundError', code: 'FUNCTION_NOT_FOUND' });
    expect(r.error.message).toContain("'nope'");
    expect(r.error.message).toContain('main, helper');
    expect(r.error.message).not.toContain('notAFunction');
  });

  it('runs sloppy-mode code as customers write it', async () => {
    const r = await exec(engine, 'function main() { total = 0; for (i = 0; i < 4; i++) total += i; with ({ k: total }) { return k } }');
    expect(r).toMatchObject({ ok: true, result: 6 });
  });
});

describe('CommonJS drivers', () => {
  it('calls module.exports methods by name, async included', async () => {
    const code = 'module.exports = { search: async function ({ number }) { return [{ did: number + "1" }] }, release: () => true }';
    expect(await exec(engine, code, { type: 'driver', fn: 'search', data: { number: '4420' } })).toMatchObject({ ok: true, result: [{ did: '44201' }] });
    expect(await exec(engine, code, { type: 'driver', fn: 'release', data: {} })).toMatchObject({ ok: true, result: true });
  });

  it('accepts the seed document\'s module.export typo, with a warning', async () => {
    const r = await exec(engine, 'module.export = { list: async () => [{ did: "1" }] }', { type: 'driver', fn: 'list' });
    expect(r).toMatchObject({ ok: true, result: [{ did: '1' }] });
    expect(r.logs.map((l) => l.level + ':' + l.message).join('\n')).toMatch(/^warn:module\.export is a typo for module\.exports/);
  });

  it('supports exports.x', async () => {
    const r = await exec(engine, 'exports.allocate = ({ did }) => ({ did, ref: "r-" + did })', { type: 'driver', fn: 'allocate', data: { did: '9' } });
    expect(r).toMatchObject({ ok: true, result: { did: '9', ref: 'r-9' } });
  });

  it('lists the exported functions when a driver method is missing', async () => {
    const r = await exec(engine, 'module.exports = { search() {}, list() {} }', { type: 'driver', fn: 'allocate' });
    expect(r.ok || r.error.message).toBe("Function 'allocate' is not defined. Callable functions: search, list");
  });
});

describe('ES modules', () => {
  it('runs export function main', async () => {
    expect(await exec(engine, 'export function main(d) { return d.v }', { data: { v: 'x' } })).toMatchObject({ ok: true, result: 'x' });
  });

  it('runs export default function as main', async () => {
    expect(await exec(engine, 'export default function (d) { return d.v + 1 }', { data: { v: 1 } })).toMatchObject({ ok: true, result: 2 });
    expect(await exec(engine, 'export default (d) => d.v * 3', { data: { v: 2 } })).toMatchObject({ ok: true, result: 6 });
  });

  it('makes every named export callable, and only exports', async () => {
    const code = 'function hidden() { return "no" }\nexport const search = (d) => [d.n]\nexport { hidden as visible }';
    expect(await exec(engine, code, { type: 'driver', fn: 'search', data: { n: 1 } })).toMatchObject({ ok: true, result: [1] });
    expect(await exec(engine, code, { type: 'driver', fn: 'visible' })).toMatchObject({ ok: true, result: 'no' });
    const hidden = await exec(engine, code, { type: 'driver', fn: 'hidden' });
    expect(hidden.ok).toBe(false);
  });

  it('imports registry modules: default, named, namespace, and ES-module interop', async () => {
    const code = [
      "import greet, { hello } from 'greet';",
      "import * as ns from 'greet';",
      "import shout from 'shout';",
      "import def, { named } from 'esm';",
      'export function main(d) { return [hello(d.n), greet.version, ns.version, shout(d.n), def, named] }',
    ].join('\n');
    const r = await exec(engine, code, { type: 'app', data: { n: 'ann' } });
    expect(r).toMatchObject({ ok: true, result: ['hello ann', 2, 2, 'HELLO ANN', 'the default', 'a name'] });
  });

  it('supports require() in legacy apps and dynamic import()', async () => {
    const code = "const { hello } = require('greet');\nasync function main(d) { const m = await import('shout'); return hello(d.n) + '/' + m.default(d.n) }";
    expect(await exec(engine, code, { type: 'app', data: { n: 'x' } })).toMatchObject({ ok: true, result: 'hello x/HELLO X' });
  });

  it('supports top-level await in an app', async () => {
    const code = "const v = await new Promise((r) => setTimeout(() => r(7), 5));\nexport function main() { return v * 6 }";
    expect(await exec(engine, code, { type: 'app' })).toMatchObject({ ok: true, result: 42 });
  });

  it('keeps error positions in the customer\'s source, after rewritten imports and exports', async () => {
    const code = "import { hello } from 'greet';\n\nexport default function main(d) {\n  return d.missing.field;\n}";
    const r = await exec(engine, code, { type: 'app', data: {} });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ name: 'TypeError', line: 4, column: 20 });
    expect(r.error.stack).toContain('script.js:4:20');
    expect(r.error.stack).not.toContain('sf:prelude');
  });
});

describe('modules that are not whitelisted', () => {
  it.each(['fs', 'child_process', 'https://evil.example/x.js', './local'])('refuses %s before running, with the line', async (name) => {
    const r = await exec(engine, `\nconst m = require(${JSON.stringify(name)});\nfunction main() { return 1 }`, { type: 'app' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ name: 'ModuleNotFoundError', code: 'MODULE_NOT_FOUND', line: 2, column: 11 });
    expect(r.error.message).toContain(`Module '${name}' is not available`);
    expect(r.error.message).toContain('Available modules: greet, shout, esm');
  });

  it('refuses a require() of a computed name at run time, at the customer\'s line', async () => {
    const r = await exec(engine, "async function main(d) {\n  return require(d.name);\n}", { type: 'app', data: { name: 'fs' } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ code: 'MODULE_NOT_FOUND', line: 2 });
  });
});
