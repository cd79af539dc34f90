// Containment: escapes (QUALITY.md "Containment"). Customer code tries to reach the host through
// constructor chains, stack call-sites, Proxies and getters, then-getters, Symbol.species and
// prototype pollution, or to use what the sandbox does not offer (WebAssembly, SharedArrayBuffer,
// Atomics). Each attempt reaches nothing but its own isolate, or ends in a clean typed error; the
// engine serves the next call.
import { afterEach, describe, expect, it } from 'vitest';
import { exec } from '../helpers.js';
import { engine, useEngine } from './setup.js';
import { SLACK_MS, timed } from './timing.js';

useEngine();
afterEach(() => {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

const ENV = { ACCOUNT_ID: '1042' };

describe('constructor chains', () => {
  // Each chain evaluates `process` in the global scope it reaches; all of them must land in the sandbox.
  const CHAINS = `
    const chains = {
      this: () => this.constructor.constructor('return process')(),
      object: () => ({}).constructor.constructor('return process')(),
      consoleLog: () => console.log.constructor('return process')(),
      setTimeout: () => setTimeout.constructor('return process')(),
      env: () => process.env.constructor.constructor('return process')(),
      generator: () => (function* () {}).constructor('yield process')().next().value,
      sandboxError: () => { try { setTimeout('not a function') } catch (e) { return e.constructor.constructor('return process')() } },
    };
    const out = {};
    for (const k of Object.keys(chains)) {
      const p = chains[k]();
      out[k] = { keys: Object.getOwnPropertyNames(p), env: p.env, binding: typeof p.binding, versions: typeof p.versions, mainModule: typeof p.mainModule };
    }
    out.scope = Function('return [typeof require, typeof module, typeof Buffer, typeof global, this === globalThis]')();
    return out;`;

  const expected = (k: string) => [k, { keys: ['env'], env: ENV, binding: 'undefined', versions: 'undefined', mainModule: 'undefined' }];
  const names = ['this', 'object', 'consoleLog', 'setTimeout', 'env', 'generator', 'sandboxError'];

  it("reach only the sandbox's own process (env and nothing else) and no require, in a script", async () => {
    const r = await exec(engine, `function main() {${CHAINS}\n}`, { env: ENV });
    expect(r).toMatchObject({ ok: true, result: { ...Object.fromEntries(names.map(expected)), scope: ['undefined', 'undefined', 'undefined', 'undefined', true] } });
  });

  it('reach only the sandbox in an app as well (after an await, in a timer callback)', async () => {
    const code = `async function main() { await null; return await new Promise((resolve) => setTimeout(() => resolve((() => {${CHAINS}\n})()), 1)) }`;
    const r = await exec(engine, code, { type: 'app', env: ENV });
    expect(r).toMatchObject({ ok: true, result: Object.fromEntries(names.map(expected)) });
  });

  it("never reveal the sandbox's internals through a function's caller", async () => {
    const code = `
      function main() {
        const seen = { main: String(main.caller) };
        console.log('%d', { valueOf: function valueOf() { seen.console = String(valueOf.caller); return 1 } });
        return new Promise((resolve) => setTimeout(function timer() { seen.timer = String(timer.caller); resolve(seen) }, 1));
      }`;
    const r = await exec(engine, code, { type: 'app' });
    expect(r).toMatchObject({ ok: true, result: { main: 'null', console: 'null', timer: 'null' } });
  });
});

describe('Error.prepareStackTrace and call sites', () => {
  // Built-ins are frozen: no hook can be installed, so no call site (and nothing of the sandbox
  // behind one) is ever handed to customer code.
  it('cannot be installed: assigning it fails, in sloppy and strict code, in scripts and app callbacks', async () => {
    const sloppy = 'function main() { Error.prepareStackTrace = (e, sites) => sites; return [typeof Error.prepareStackTrace, typeof new Error().stack] }';
    expect(await exec(engine, sloppy)).toMatchObject({ ok: true, result: ['undefined', 'string'] });
    const strict = '"use strict"; function main() { Error.prepareStackTrace = (e, sites) => sites; return 1 }';
    expect(await exec(engine, strict)).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', name: 'TypeError', message: expect.stringMatching(/read only|prepareStackTrace/) } });
    const app = `async function main() {
      return await new Promise((resolve) => setTimeout(() => {
        try { Object.defineProperty(Error, 'prepareStackTrace', { value: (e, sites) => sites }); resolve('installed') } catch (e) { resolve(e.name) }
      }, 1));
    }`;
    expect(await exec(engine, app, { type: 'app' })).toMatchObject({ ok: true, result: 'TypeError' });
  });

  it('a prepareStackTrace that throws or returns a non-string leaves a clean ScriptError', async () => {
    const throws = await exec(engine, 'function main() { Error.prepareStackTrace = () => { throw new Error("no stack for you") }; throw new TypeError("original") }');
    expect(throws).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', name: 'TypeError', message: 'original' } });
    const odd = await exec(engine, 'function main() { Error.prepareStackTrace = () => ({ toString() { return 42 } }); throw new Error("original") }');
    expect(odd).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', message: 'original' } });
  });

  it('a prepareStackTrace that would loop forever is never called', async () => {
    const r = await exec(engine, 'function main() { Error.prepareStackTrace = () => { for (;;) {} }; throw new Error("x") }', { limits: { cpuMs: 300 } });
    expect(r).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', name: 'Error', message: 'x' } });
  });
});

describe('Proxies and getters on returned values', () => {
  it('a throwing getter gives a SerializationError that says what threw', async () => {
    const r = await exec(engine, 'function main() { return { ok: 1, nested: { get bad() { throw new Error("boom") } } } }');
    expect(r).toMatchObject({ ok: false, error: { code: 'RESULT_NOT_JSON', name: 'SerializationError' } });
    expect(r.ok || r.error.message).toMatch(/boom/);
  });

  it('a Proxy whose traps throw gives a SerializationError or a clean ScriptError', async () => {
    for (const code of [
      'function main() { return new Proxy({}, { get() { throw new Error("trap") }, ownKeys() { throw new Error("keys") } }) }',
      'function main() { return { inner: new Proxy({ a: 1 }, { ownKeys() { throw new Error("keys") } }) } }',
      'function main() { return [new Proxy([], { get(t, k) { if (k === "length") throw new Error("len"); return t[k] } })] }',
      'function main() { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return proxy }',
      'function main() { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return { deep: [proxy] } }',
      'function main() { return new Proxy({}, { getPrototypeOf() { throw new Error("proto") } }) }',
    ]) {
      const r = await exec(engine, code);
      expect(r.ok, code).toBe(false);
      if (!r.ok) expect(['RESULT_NOT_JSON', 'SCRIPT_ERROR'], code).toContain(r.error.code);
    }
  });

  it('a getter or trap that never returns is stopped by the CPU limit', async () => {
    for (const code of [
      'function main() { return { get x() { for (;;) {} } } }',
      'function main() { return new Proxy({}, { ownKeys() { for (;;) {} } }) }',
    ]) {
      const { value: r, ms } = await timed(exec(engine, code, { limits: { cpuMs: 300 } }));
      expect(r, code).toMatchObject({ ok: false, error: { code: 'TIMEOUT', name: 'TimeoutError' } });
      expect(ms).toBeLessThan(300 + SLACK_MS);
    }
  });
});

describe('Proxies and getters on thrown values', () => {
  it('a thrown Proxy or an error with throwing getters gives a clean ScriptError', async () => {
    for (const code of [
      'function main() { throw new Proxy(new Error("x"), { get() { throw new Error("get trap") } }) }',
      'function main() { throw new Proxy(new Error("x"), { getPrototypeOf() { throw new Error("proto trap") } }) }',
      'function main() { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); throw proxy }',
      'function main() { throw { get message() { throw new Error("no message") }, get name() { throw 1 } } }',
      'function main() { const e = new Error("m"); Object.defineProperty(e, "stack", { get() { throw new Error("no stack") } }); throw e }',
      'function main() { const e = new Error("m"); Object.defineProperty(e, "name", { get() { return this.name } }); throw e }',
      'function main() { throw new Proxy(new Error("x"), { getPrototypeOf() { throw Symbol("s") } }) }',
    ]) {
      const r = await exec(engine, code);
      expect(r, code).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR' } });
    }
  });

  it('from an app (a rejected promise), the same', async () => {
    const r = await exec(engine, 'async function main() { await null; throw new Proxy(new Error("x"), { get() { throw new Error("get trap") } }) }', { type: 'app' });
    expect(r).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR' } });
  });
});

describe('then-getters on results', () => {
  it('a script: a throwing then-getter is a ScriptError; a then method means a Promise, refused', async () => {
    const throws = await exec(engine, 'function main() { return { a: 1, get then() { throw new Error("then-getter") } } }');
    expect(throws).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', message: 'then-getter' } });
    const thenable = await exec(engine, 'function main() { return { then(resolve) { resolve(1) } } }');
    expect(thenable).toMatchObject({ ok: false, error: { code: 'WRONG_TYPE' } });
  });

  it('an app: a thenable is adopted, a throwing one rejects, a silent one never settles, a looping one times out', async () => {
    expect(await exec(engine, 'async function main() { return { then(resolve) { resolve({ adopted: true }) } } }', { type: 'app' }))
      .toMatchObject({ ok: true, result: { adopted: true } });
    expect(await exec(engine, 'async function main() { return { get then() { throw new Error("then-getter") } } }', { type: 'app' }))
      .toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', message: 'then-getter' } });
    expect(await exec(engine, 'async function main() { return { then() {} } }', { type: 'app' }))
      .toMatchObject({ ok: false, error: { code: 'NEVER_SETTLES' } });
    const { value: r, ms } = await timed(exec(engine, 'async function main() { return { get then() { for (;;) {} } } }', { type: 'app', limits: { cpuMs: 300 } }));
    expect(r).toMatchObject({ ok: false, error: { code: 'TIMEOUT', name: 'TimeoutError' } });
    expect(ms).toBeLessThan(300 + SLACK_MS);
  });
});

describe('Symbol.species', () => {
  it('the built-in species cannot be redefined: a clean TypeError', async () => {
    const r = await exec(engine, 'async function main() { Object.defineProperty(Promise, Symbol.species, { get() { throw new Error("species") } }); return 1 }', { type: 'app' });
    expect(r).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', name: 'TypeError', message: expect.stringMatching(/redefine/) } });
  });

  it("a Promise subclass whose species swallows reactions does not fool the sandbox's own awaiting", async () => {
    const code = 'async function main() { class P extends Promise { static get [Symbol.species]() { return function (executor) { executor(() => {}, () => {}) } } } return P.resolve(3) }';
    expect(await exec(engine, code, { type: 'app' })).toMatchObject({ ok: true, result: 3 });
  });

  it("a subclass's species that throws inside the sandbox console is a clean ScriptError", async () => {
    const r = await exec(engine, 'function main() { class A extends Array { static get [Symbol.species]() { throw new Error("species") } } const a = A.from([1]); console.log(a); return a.map((x) => x) }');
    expect(r).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', message: 'species' } });
  });

  it('an Array subclass with a hostile species is returned as plain data', async () => {
    const r = await exec(engine, 'function main() { class A extends Array { static get [Symbol.species]() { throw new Error("species") } } return A.from([1, 2]) }');
    expect(r).toMatchObject({ ok: true, result: [1, 2] });
  });

  it('no execution can change a built-in species for the next', async () => {
    const tamper = 'function main() { const failed = []; for (const C of [Array, Promise, RegExp, Map, ArrayBuffer]) { try { Object.defineProperty(C, Symbol.species, { get() { throw new Error("species") } }) } catch (e) { failed.push(e.name) } } return failed }';
    expect(await exec(engine, tamper, { tenant: 'species' })).toMatchObject({ ok: true, result: ['TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError'] });
    const check = 'function main() { return [Array, Promise, RegExp, Map, ArrayBuffer].map((C) => C[Symbol.species] === C) }';
    expect(await exec(engine, check, { tenant: 'species' })).toMatchObject({ ok: true, result: [true, true, true, true, true] });
  });
});

describe('prototype pollution', () => {
  it('__proto__ and constructor.prototype keys in a result stay data on the host', async () => {
    const code = `function main() {
      return JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}, "a": [{"__proto__": {"polluted": "yes"}}]}');
    }`;
    const r = await exec(engine, code);
    expect(r.ok).toBe(true);
    const result = (r.ok ? r.result : {}) as Record<string, unknown>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.hasOwn(result, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(result, '__proto__')?.value).toEqual({ polluted: 'yes' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('__proto__ keys in the input do not pollute the sandbox, not even through a vulnerable merge', async () => {
    const input = '{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}';
    const merge = `function main(d) {
      const before = ({}).polluted;
      const merge = (t, s) => { for (const k in s) { if (s[k] && typeof s[k] === 'object') merge(t[k] ?? (t[k] = {}), s[k]); else t[k] = s[k] } return t };
      const onParse = Object.hasOwn(d, '__proto__');
      merge({}, d);
      return [before ?? null, onParse, ({}).polluted ?? null];
    }`;
    // The customer's own vulnerable merge cannot pollute even its own execution: Object.prototype is frozen...
    expect(await exec(engine, merge, { input, tenant: 'pollution' })).toMatchObject({ ok: true, result: [null, true, null] });
    // ...and nothing reaches the next fresh execution, of the same script or another.
    expect(await exec(engine, merge, { input: '{}', tenant: 'pollution' })).toMatchObject({ ok: true, result: [null, false, null] });
    const other = 'function main() { return [({}).polluted ?? null, [].polluted ?? null, Object.keys(Object.prototype)] }';
    expect(await exec(engine, other, { tenant: 'pollution' })).toMatchObject({ ok: true, result: [null, null, []] });
  });

  it('pollution in a warm (reuse) context stays in that script version', async () => {
    const v1 = 'function main() { Object.prototype.polluted = "v1"; Array.prototype.polluted = "v1"; return 1 } // v1';
    const v2 = 'function main() { return [({}).polluted ?? null, [].polluted ?? null] } // v2';
    expect(await exec(engine, v1, { tenant: 'warm-pollution', isolation: 'reuse' })).toMatchObject({ ok: true, result: 1 });
    expect(await exec(engine, v2, { tenant: 'warm-pollution', isolation: 'reuse' })).toMatchObject({ ok: true, result: [null, null] });
    expect(await exec(engine, v2, { tenant: 'warm-pollution' })).toMatchObject({ ok: true, result: [null, null] });
  });
});

describe('what the sandbox does not offer', () => {
  const PROBE = `[typeof WebAssembly, typeof SharedArrayBuffer, typeof Atomics,
    Function('return [typeof WebAssembly, typeof SharedArrayBuffer, typeof Atomics]')(),
    Object.getOwnPropertyNames(globalThis).filter((k) => /WebAssembly|SharedArrayBuffer|Atomics/.test(k))]`;
  const NONE = ['undefined', 'undefined', 'undefined', ['undefined', 'undefined', 'undefined'], []];

  it('WebAssembly, SharedArrayBuffer and Atomics are not defined, in scripts and apps', async () => {
    expect(await exec(engine, `function main() { return ${PROBE} }`)).toMatchObject({ ok: true, result: NONE });
    expect(await exec(engine, `async function main() { await null; return ${PROBE} }`, { type: 'app' })).toMatchObject({ ok: true, result: NONE });
    expect(await exec(engine, `function main() { return ${PROBE} }`, { isolation: 'reuse' })).toMatchObject({ ok: true, result: NONE });
  });

  it('Atomics.wait and WebAssembly memory fail as ordinary ReferenceErrors', async () => {
    const wait = await exec(engine, 'function main() { return Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000) }');
    expect(wait).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', name: 'ReferenceError' } });
    const memory = await exec(engine, 'function main() { return new WebAssembly.Memory({ initial: 65536 }).buffer.byteLength }');
    expect(memory).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', name: 'ReferenceError' } });
  });

  it('a module name built at run time reaches no host module', async () => {
    const r = await exec(engine, 'async function main() { const name = ["child", "process"].join("_"); return Object.keys(require(name)) }', { type: 'app' });
    expect(r).toMatchObject({ ok: false, error: { code: 'MODULE_NOT_FOUND' } });
  });
});

// The status strings the prelude hands the host are built inside the isolate, where customer code can
// install Object.prototype.toJSON and forge the host operations of its turn. The supervisor only lets
// through operations of modules the script loads, with plain method names.
describe('host operations', () => {
  it('reach the host only for modules the script loaded, with the names it gave', async () => {
    const seen: unknown[] = [];
    const host = async (m: string, f: string, a: unknown[]) => {
      seen.push([m, f, a]);
      return null;
    };
    const code = `async function main() {
      let forged = false;
      Object.prototype.toJSON = function () {
        if (!forged && this && 'ops' in this) { forged = true; return { ops: [{ op: 99, m: 'cxKV', f: '__proto__', a: ['x'] }], timer: null, quiet: false } }
        return this;
      };
      await new Promise((r) => setTimeout(r, 20));
      delete Object.prototype.toJSON;
      return 'done';
    }`;
    await exec(engine, code, { type: 'app', host });
    expect(seen).toEqual([]);
  });
});

