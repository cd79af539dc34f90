// The standard modules (PRODUCT.md §5): real npm libraries bundled for the isolate, loaded the way
// their own documentation shows, through the real engine. Needs the bundles: npm run build && node
// scripts/bundle-modules.mjs.
import nodeCrypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/index.js';
import { MODULES } from '../../src/modules/index.js';
import { LIBRARY_MANIFEST, LIBRARY_MODULES } from '../../src/modules/libs/index.js';
import { example, exec, startEngine } from '../helpers.js';

let engine: Engine;
const app = { type: 'app' as const };

beforeAll(async () => {
  engine = await startEngine({ workers: 1, modules: { ...MODULES, ...LIBRARY_MODULES } });
});
afterAll(async () => {
  await engine.close();
});

/** Runs an app script and returns its result, failing with the script's error if it threw. */
async function result(code: string, data?: unknown): Promise<unknown> {
  const r = await exec(engine, code, { ...app, data });
  if (!r.ok) throw new Error(`script failed: ${r.error.name}: ${r.error.message}`);
  return r.result;
}

/** Local weekday (0 = Sunday) and hour of `zone` now, computed on the host. */
function localNow(zone: string): { day: number; hour: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' })
    .formatToParts(new Date());
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return { day: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday')), hour: Number(get('hour')), minute: Number(get('minute')) };
}
/** A zone where it is now a weekday (or the weekend), away from midnight; null if there is none. */
function zoneWhere(weekend: boolean): string | null {
  for (const zone of Intl.supportedValuesOf('timeZone')) {
    const n = localNow(zone);
    const isWeekend = n.day === 0 || n.day === 6;
    if (isWeekend === weekend && n.hour >= 1 && n.hour <= 21) return zone;
  }
  return null;
}

describe('the registry', () => {
  it('offers every library of PRODUCT.md §5 and crypto (axios: see axios.test.ts)', () => {
    expect(Object.keys(LIBRARY_MODULES).sort()).toEqual(
      ['axios', 'card-validator', 'crypto', 'csv-parse/sync', 'dayjs', 'dayjs/plugin/timezone', 'dayjs/plugin/utc', 'fast-toml', 'moment', 'smol-toml'].sort(),
    );
    for (const [name, def] of Object.entries(LIBRARY_MODULES)) {
      expect(def.source.length, name).toBe(LIBRARY_MANIFEST.modules[name].bytes);
      expect(def.source, name).not.toMatch(/require\(["'](fs|path|buffer|util|crypto|node:[a-z]+)["']\)/);
    }
  });

  it('a script that uses no library still runs, and an unknown module is a clear error', async () => {
    expect(await exec(engine, 'function main(d) { return d.n * 2 }', { data: { n: 21 } })).toMatchObject({ ok: true, result: 42 });
    const r = await exec(engine, "const _ = require('lodash'); async function main() { return 1 }", app);
    expect(r).toMatchObject({ ok: false, error: { name: 'ModuleNotFoundError' } });
    expect(r.ok ? '' : r.error.message).toMatch(/Module 'lodash' is not available in the sandbox \(line 1, column 11\)\. Available modules: .*dayjs.*crypto/);
  });
});

describe('dayjs with utc and timezone (Intl in the isolate)', () => {
  it('examples/c4-business-hours.js, unchanged: accepts inside the hours and rejects outside with 480', async () => {
    const code = example('c4-business-hours.js');
    const weekday = zoneWhere(false);
    const weekend = zoneWhere(true);
    expect(weekday ?? weekend).not.toBeNull();
    if (weekday) {
      const n = localNow(weekday);
      const open = await exec(engine, code, { ...app, data: { call: 1, hours: { tz: weekday, open: n.hour, close: 24 } } });
      expect(open, `open in ${weekday} at ${n.hour}:${n.minute}`).toMatchObject({ ok: true, result: { call: 1, hours: { tz: weekday } } });
      const closed = await exec(engine, code, { ...app, data: { hours: { tz: weekday, open: n.hour + 1, close: 24 } } });
      expect(closed).toMatchObject({ ok: false, error: { sipCode: 480, reason: 'Outside Business Hours' } });
      const early = await exec(engine, code, { ...app, data: { hours: { tz: weekday, open: 0, close: n.hour } } });
      expect(early).toMatchObject({ ok: false, error: { sipCode: 480 } });
    }
    if (weekend) {
      const r = await exec(engine, code, { ...app, data: { hours: { tz: weekend, open: 0, close: 24 } } });
      expect(r, `weekend in ${weekend}`).toMatchObject({ ok: false, error: { sipCode: 480 } });
    }
    // No hours configured: the call goes through.
    expect(await exec(engine, code, { ...app, data: { x: 1 } })).toMatchObject({ ok: true, result: { x: 1 } });
  });

  it('converts between zones as the docs show, DST included, agreeing with the host clock', async () => {
    const zone = 'Asia/Kolkata';
    const code = `const dayjs = require('dayjs');
    const utc = require('dayjs/plugin/utc');
    const timezone = require('dayjs/plugin/timezone');
    dayjs.extend(utc);
    dayjs.extend(timezone);
    async function main() {
      return {
        ny: dayjs.tz('2024-03-10 12:00', 'America/New_York').utc().format(),
        nyWinter: dayjs.tz('2024-01-10 12:00', 'America/New_York').utc().format(),
        london: dayjs.utc('2024-07-01T12:00:00Z').tz('Europe/London').format('YYYY-MM-DD HH:mm Z'),
        hourHere: dayjs().tz(${JSON.stringify(zone)}).hour(),
        guess: typeof dayjs.tz.guess(),
        parsed: dayjs('2024-02-29').add(1, 'year').format('YYYY-MM-DD'),
      };
    }`;
    const r = (await result(code)) as Record<string, unknown>;
    expect(r).toMatchObject({
      ny: '2024-03-10T16:00:00Z',
      nyWinter: '2024-01-10T17:00:00Z',
      london: '2024-07-01 13:00 +01:00',
      guess: 'string',
      parsed: '2025-02-28',
    });
    expect(r.hourHere).toBe(localNow(zone).hour);
  });
});

describe('moment', () => {
  it('works with require and import, and an unbundled locale falls back to English', async () => {
    const required = `const moment = require('moment');
    async function main() {
      const fr = moment.locale('fr');
      return {
        fmt: moment.utc('2024-02-29T10:20:30Z').add(1, 'year').format('YYYY-MM-DD HH:mm'),
        diff: moment.utc('2024-03-01').diff(moment.utc('2024-02-01'), 'days'),
        dur: moment.duration(90, 'minutes').asHours(),
        valid: moment('not a date', 'YYYY-MM-DD', true).isValid(),
        fr,
      };
    }`;
    expect(await result(required)).toEqual({ fmt: '2025-02-28 10:20', diff: 29, dur: 1.5, valid: false, fr: 'en' });
    const imported = `import moment from 'moment';
    export async function main() { return moment.utc(0).toISOString(); }`;
    expect(await result(imported)).toBe('1970-01-01T00:00:00.000Z');
  });
});

describe('csv-parse/sync', () => {
  it("import { parse } from 'csv-parse/sync', with options, and CsvError on bad input", async () => {
    const code = `import { parse } from 'csv-parse/sync';
    export async function main(d) {
      const records = parse(d.csv, { columns: true, skip_empty_lines: true, trim: true });
      let err;
      try { parse('a,"b\\n1,2') } catch (e) { err = e.code + ' ' + e.constructor.name }
      const semi = parse('x;y\\n"1;2";3', { delimiter: ';' });
      return { records, err, semi };
    }`;
    expect(await result(code, { csv: 'number,name\n+4420, Ada \n\n"+331","Lovelace, A."\n' })).toEqual({
      records: [{ number: '+4420', name: 'Ada' }, { number: '+331', name: 'Lovelace, A.' }],
      err: 'CSV_QUOTE_NOT_CLOSED CsvError',
      semi: [['x', 'y'], ['1;2', '3']],
    });
    const required = `const { parse } = require('csv-parse/sync');
    async function main() { return parse('a,b\\n1,2', { cast: true }) }`;
    expect(await result(required)).toEqual([['a', 'b'], [1, 2]]);
  });
});

describe('TOML', () => {
  const toml = 'title = "ScriptForge"\n[hours]\ntz = "Europe/London"\nopen = 9\nclose = 18\n[[numbers]]\nn = "+4420"\n';
  const expected = { title: 'ScriptForge', hours: { tz: 'Europe/London', open: 9, close: 18 }, numbers: [{ n: '+4420' }] };

  it('smol-toml: parse and stringify, named and default imports, require', async () => {
    const named = `import { parse, stringify } from 'smol-toml';
    export async function main(d) { const v = parse(d.toml); return { v, back: parse(stringify(v)) } }`;
    expect(await result(named, { toml })).toEqual({ v: expected, back: expected });
    const def = `import TOML from 'smol-toml';
    export async function main(d) { try { TOML.parse('a = ') } catch (e) { return e.constructor.name + ' ' + (e instanceof TOML.TomlError) } }`;
    expect(await result(def)).toBe('TomlError true');
    const required = `const { parse } = require('smol-toml');
    async function main(d) { return parse(d.toml).hours.open }`;
    expect(await result(required, { toml })).toBe(9);
  });

  it('fast-toml: parse and the template tag; reading files is a clear error', async () => {
    const code = `const TOML = require('fast-toml');
    async function main(d) {
      let file;
      try { TOML.parseFileSync('/etc/passwd') } catch (e) { file = e.message }
      return { v: TOML.parse(d.toml), tag: TOML\`a = 1\`, file };
    }`;
    expect(await result(code, { toml })).toEqual({ v: expected, tag: { a: 1 }, file: 'fast-toml cannot read files in the sandbox: use TOML.parse(text)' });
    const imported = `import TOML from 'fast-toml';
    export async function main() { return TOML.parse('x = true').x }`;
    expect(await result(imported)).toBe(true);
  });
});

describe('card-validator', () => {
  it('validates numbers, expiry dates and CVVs as its docs show', async () => {
    const code = `const valid = require('card-validator');
    async function main() {
      const n = valid.number('4111 1111 1111 1111');
      const amex = valid.number('378282246310005');
      return {
        visa: [n.isValid, n.card && n.card.type, n.card && n.card.code.name],
        amex: [amex.isValid, amex.card.type],
        bad: valid.number('4111111111111112').isValid,
        partial: valid.number('4111').isPotentiallyValid,
        exp: valid.expirationDate('12/' + String((new Date().getFullYear() + 2) % 100)).isValid,
        expired: valid.expirationDate('01/20').isValid,
        cvv: valid.cvv('123').isValid,
        cvv4: valid.cvv('1234', 4).isValid,
      };
    }`;
    expect(await result(code)).toEqual({
      visa: [true, 'visa', 'CVV'], amex: [true, 'american-express'], bad: false, partial: true,
      exp: true, expired: false, cvv: true, cvv4: true,
    });
    const imported = `import valid from 'card-validator';
    export async function main() { return valid.postalCode('12345').isValid }`;
    expect(await result(imported)).toBe(true);
  });
});

describe('crypto', () => {
  it('createHash matches the standard test vectors', async () => {
    const code = `const crypto = require('crypto');
    async function main() {
      const h = (alg, s, enc = 'hex') => crypto.createHash(alg).update(s).digest(enc);
      return {
        md5: h('md5', 'abc'), md5Empty: h('md5', ''), sha1: h('sha1', 'abc'), sha256: h('sha256', 'abc'),
        sha512: h('sha512', 'abc'), SHA256: h('SHA256', 'abc'),
        million: crypto.createHash('sha1').update('a'.repeat(1000000)).digest('hex'),
        b64: h('sha256', 'abc', 'base64'), b64url: h('sha256', 'abc', 'base64url'),
        chained: crypto.createHash('sha256').update('a').update('b').update('c').digest('hex'),
        raw: Array.from(crypto.createHash('md5').update('abc').digest().slice(0, 2)),
        hexIn: crypto.createHash('sha256').update('616263', 'hex').digest('hex'),
        hashes: crypto.getHashes(),
      };
    }`;
    const sha256abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(await result(code)).toEqual({
      md5: '900150983cd24fb0d6963f7d28e17f72',
      md5Empty: 'd41d8cd98f00b204e9800998ecf8427e',
      sha1: 'a9993e364706816aba3e25717850c26c9cd0d89d',
      sha256: sha256abc,
      sha512: 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
      SHA256: sha256abc,
      million: '34aa973cd4c4daa4f61eeb2bdbad27316534016f',
      b64: Buffer.from(sha256abc, 'hex').toString('base64'),
      b64url: Buffer.from(sha256abc, 'hex').toString('base64url'),
      chained: sha256abc,
      raw: [0x90, 0x01],
      hexIn: sha256abc,
      hashes: expect.arrayContaining(['md5', 'sha1', 'sha256', 'sha512']),
    });
  });

  it('createHmac matches RFC 2104 / 2202 / 4231 vectors, with import forms', async () => {
    const code = `import { createHmac } from 'crypto';
    import crypto from 'crypto';
    export async function main() {
      const m = (alg) => createHmac(alg, 'Jefe').update('what do ya want for nothing?').digest('hex');
      return {
        md5: m('md5'), sha1: m('sha1'), sha256: m('sha256'), sha512: m('sha512'),
        viaDefault: crypto.createHmac('sha256', 'key').update('The quick brown fox jumps over the lazy dog').digest('hex'),
        longKey: crypto.createHmac('sha256', 'k'.repeat(200)).update('x').digest('base64'),
      };
    }`;
    expect(await result(code)).toEqual({
      md5: '750c783e6ab0b503eaa86e310a5db738',
      sha1: 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79',
      sha256: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
      sha512: '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
      viaDefault: 'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
      longKey: nodeCrypto.createHmac('sha256', 'k'.repeat(200)).update('x').digest('base64'),
    });
  });

  it("agrees with Node's crypto on text with non-ASCII characters (UTF-8), and errors like Node", async () => {
    const text = 'Grüße, 東京 🎉 — ' + 'x'.repeat(300);
    const code = `const { createHash, createHmac } = require('crypto');
    async function main(d) {
      const h = createHash('sha256');
      h.update(d.text);
      const once = h.digest('hex');
      let again; try { h.digest('hex') } catch (e) { again = e.code }
      let unknown; try { createHash('whirlpool') } catch (e) { unknown = e.message }
      return { once, again, unknown, hmac: createHmac('sha1', d.text).update(d.text).digest('hex') };
    }`;
    const r = (await result(code, { text })) as Record<string, string>;
    expect(r.once).toBe(nodeCrypto.createHash('sha256').update(text).digest('hex'));
    expect(r.hmac).toBe(nodeCrypto.createHmac('sha1', text).update(text).digest('hex'));
    expect(r.again).toBe('ERR_CRYPTO_HASH_FINALIZED');
    expect(r.unknown).toMatch(/^Digest method not supported: whirlpool/);
  });

  it('randomUUID gives distinct version-4 UUIDs, within and across executions', async () => {
    const code = `import { randomUUID } from 'crypto';
    export async function main() { return Array.from({ length: 2000 }, () => randomUUID()) }`;
    const a = (await result(code)) as string[];
    const b = (await result(code)) as string[];
    for (const u of [...a.slice(0, 50), ...b.slice(0, 50)]) expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set([...a, ...b]).size).toBe(4000);
  });
});
