// Global state between invocations (PRODUCT.md §4): fresh by default, warm reuse on request, and
// never across versions or accounts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/index.js';
import { exec, startEngine } from '../helpers.js';

let engine: Engine;
beforeAll(async () => {
  engine = await startEngine();
});
afterAll(() => engine.close());

const twice = async (code: string, o = {}) => [await exec(engine, code, o), await exec(engine, code, o)].map((r) => (r.ok ? r.result : r.error.message));

describe('fresh isolation (the default)', () => {
  it('re-runs the top level: module state starts over', async () => {
    expect(await twice('let n = 0;\nfunction main() { return ++n }')).toEqual([1, 1]);
  });

  it('removes globals a previous run created, implicit ones included', async () => {
    const code = 'function main() { const seen = [typeof globalThis.flag, typeof counter]; globalThis.flag = 1; counter = 1; return seen }';
    expect(await twice(code)).toEqual([['undefined', 'undefined'], ['undefined', 'undefined']]);
  });

  it('puts back built-ins a previous run changed', async () => {
    const code = 'function main() { const seen = [typeof Array.prototype.leak, JSON.stringify({a: 1})]; Array.prototype.leak = 1; JSON.stringify = () => "hacked"; return seen }';
    expect(await twice(code)).toEqual([['undefined', '{"a":1}'], ['undefined', '{"a":1}']]);
  });

  it('undoes what late promise callbacks of a previous run did', async () => {
    const code = 'function main() { const seen = typeof globalThis.late; Promise.resolve().then(() => { globalThis.late = 1 }); return seen }';
    expect(await twice(code)).toEqual(['undefined', 'undefined']);
  });

  it('does not carry the last RegExp match over', async () => {
    const code = 'function main(d) { const seen = RegExp.$1; new RegExp("(" + d.secret + ")").exec(d.secret); return seen }';
    expect(await twice(code, { data: { secret: 'pin1234' } })).toEqual(['', '']);
  });

  it('keeps tenants apart even when they run the same code', async () => {
    const code = 'function main(d) { const seen = globalThis.owner; globalThis.owner = d.me; return seen ?? null }';
    const a = await exec(engine, code, { tenant: 'acct-a', isolation: 'reuse', data: { me: 'a' } });
    const b = await exec(engine, code, { tenant: 'acct-b', isolation: 'reuse', data: { me: 'b' } });
    expect([a.ok && a.result, b.ok && b.result]).toEqual([null, null]);
  });
});

describe('frozen built-ins (fresh and reuse alike)', () => {
  it('refuse changes: silently in sloppy code, with a TypeError in strict code', async () => {
    const sloppy = 'function main() { Array.prototype.extra = 1; JSON.stringify = null; Math.PI = 3; return [typeof [].extra, typeof JSON.stringify, Math.PI] }';
    expect(await exec(engine, sloppy)).toMatchObject({ ok: true, result: ['undefined', 'function', Math.PI] });
    // The few properties made overridable on objects that inherit them say so even in sloppy code.
    const inherited = 'function main() { Object.prototype.toString = null }';
    expect(await exec(engine, inherited)).toMatchObject({ ok: false, error: { name: 'TypeError', message: "Cannot assign to read only property 'toString' of a built-in prototype" } });
    const strict = '"use strict"; function main() { String.prototype.shout = function () { return this.toUpperCase() }; return "a".shout() }';
    expect(await exec(engine, strict)).toMatchObject({ ok: false, error: { name: 'TypeError', message: expect.stringMatching(/shout|not extensible/) } });
  });

  it('leave nothing reachable from the global object unfrozen but RegExp.prototype', async () => {
    const code = `function main() {
      const seen = new Set([globalThis]), open = [], queue = [];
      const visit = (v, path) => { if (((typeof v === 'object' && v !== null) || typeof v === 'function') && !seen.has(v)) { seen.add(v); queue.push([v, path]) } };
      for (const k of Reflect.ownKeys(globalThis)) if (k !== 'process') visit(globalThis[k], String(k));
      const segments = new Intl.Segmenter().segment('');
      for (const h of [function* () {}, async function () {}, async function* () {}, [][Symbol.iterator](), new Map().entries(), ''[Symbol.iterator](), segments, segments[Symbol.iterator]()]) visit(Object.getPrototypeOf(h), 'hidden');
      while (queue.length) {
        const [o, path] = queue.pop();
        if (!Object.isFrozen(o)) open.push(path);
        visit(Object.getPrototypeOf(o), path + '.__proto__');
        for (const k of Reflect.ownKeys(o)) {
          const d = Object.getOwnPropertyDescriptor(o, k);
          visit(d.value, path + '.' + String(k)); visit(d.get, path + '.get ' + String(k)); visit(d.set, path + '.set ' + String(k));
        }
      }
      return { objects: seen.size, open };
    }`;
    const r = await exec(engine, code);
    expect(r.ok && (r.result as { objects: number }).objects).toBeGreaterThan(500);
    expect(r.ok && (r.result as { open: string[] }).open).toEqual(['RegExp.prototype']);
  });

  it("still let code set toString, name, message or constructor on its own objects (no 'override mistake')", async () => {
    const code = `"use strict";
      class RouteError extends Error { constructor(m) { super(m); this.name = 'RouteError' } }
      function Gw(ip) { this.ip = ip }
      Gw.prototype.toString = function () { return 'gw ' + this.ip };
      Gw.prototype.constructor = Gw;
      // What bundled libraries do: a Buffer shim over Uint8Array, axios's CancelToken promise.
      function Buf() {}
      Object.setPrototypeOf(Buf.prototype, Uint8Array.prototype);
      Buf.prototype.toString = function () { return 'buf' };
      function main() {
        const e = new RouteError('no route'); e.message = 'no route to 44';
        const copy = Object.assign({}, { toString: 'data', constructor: 1, valueOf: 2 });
        const p = Promise.resolve(1); p.then = function () { return 'own then' };
        return [String(e), String(new Gw('10.0.0.1')), copy, e instanceof Error, String(Object.create(Buf.prototype)), p.then()];
      }`;
    expect(await exec(engine, code)).toMatchObject({
      ok: true, result: ['RouteError: no route to 44', 'gw 10.0.0.1', { toString: 'data', constructor: 1, valueOf: 2 }, true, 'buf', 'own then'],
    });
  });

  it('a changed RegExp.prototype, a non-configurable global or a new global prototype do not reach the next run', async () => {
    const code = `function main() {
      const seen = ['x'.replace(/x/, 'y'), typeof pinned, typeof injected];
      RegExp.prototype.exec = () => null;
      Object.defineProperty(globalThis, 'pinned', { value: 1 });
      Object.setPrototypeOf(globalThis, { injected: 1 });
      return seen;
    }`;
    const first = await exec(engine, code, { tenant: 'tamper-globals' });
    const second = await exec(engine, code, { tenant: 'tamper-globals' });
    expect([first.ok ? first.result : first.error, second.ok ? second.result : second.error]).toEqual([['y', 'undefined', 'undefined'], ['y', 'undefined', 'undefined']]);
  });
});

describe('reuse isolation', () => {
  it('keeps a warm context per script version', async () => {
    const code = 'let n = 0;\nfunction main() { globalThis.calls = (globalThis.calls || 0) + 1; return [++n, calls] }';
    const r = await twice(code, { isolation: 'reuse', tenant: 'warm' });
    expect(r).toEqual([[1, 1], [2, 2]]);
  });

  it('never shares state across versions of a script', async () => {
    const v1 = 'function main() { globalThis.v = (globalThis.v || 0) + 1; return v } // v1';
    const v2 = 'function main() { globalThis.v = (globalThis.v || 0) + 1; return v } // v2';
    const o = { isolation: 'reuse' as const, tenant: 'versions' };
    await exec(engine, v1, o);
    await exec(engine, v1, o);
    const r = await exec(engine, v2, o);
    expect(r).toMatchObject({ ok: true, result: 1 });
  });

  it('never shares state with fresh runs of the same code', async () => {
    const code = 'function main() { globalThis.v = (globalThis.v || 0) + 1; return v }';
    await exec(engine, code, { isolation: 'reuse', tenant: 'mixed' });
    await exec(engine, code, { isolation: 'reuse', tenant: 'mixed' });
    expect(await exec(engine, code, { tenant: 'mixed' })).toMatchObject({ ok: true, result: 1 });
  });
});
