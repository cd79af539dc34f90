// fetch through the real engine, as customers' drivers and apps use it, against HTTP servers on
// loopback started here. Nothing leaves this machine: addresses off the machine are only ever
// refused (http.request is stubbed to fail loudly in those tests), and host names are resolved by
// an injected resolver.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Engine, HostHandler } from '../../src/engine/index.js';
import { MODULES } from '../../src/modules/index.js';
import { RateLimiter } from '../../src/modules/fetch/index.js';
import { EXAMPLES, exec, startEngine } from '../helpers.js';
import { fetchAccount } from './fetch-account.js';

let engine: Engine;
let server: http.Server;
let base: string;
let port: number;
const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  engine = await startEngine({ workers: 1, modules: MODULES });
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const json = (status: number, v: unknown, extra: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...extra });
        res.end(JSON.stringify(v));
      };
      switch (u.pathname) {
        case '/numbers':
          return json(200, { numbers: [{ e164: `${u.searchParams.get('prefix')}0001`, price: 1.5 }, { e164: `${u.searchParams.get('prefix')}0002`, price: 2 }] });
        case '/orders':
          return json(201, { id: 'ord-1', got: JSON.parse(body) as unknown });
        case '/echo':
          return json(200, { method: req.method, headers: req.headers, body }, { 'x-multi': 'a', 'set-cookie': 'k=v' });
        case '/redirect':
          res.writeHead(Number(u.searchParams.get('status') ?? 302), { location: u.searchParams.get('to') ?? '/' });
          return res.end();
        case '/loop':
          res.writeHead(302, { location: '/loop' });
          return res.end();
        case '/slow':
          return; // never answers
        case '/big':
          res.writeHead(200, { 'content-type': 'text/plain' });
          return res.end('x'.repeat(Number(u.searchParams.get('n'))));
        case '/chunked': {
          res.writeHead(200, { 'content-type': 'text/plain' }); // no content-length: chunked
          const n = Number(u.searchParams.get('n'));
          for (let i = 0; i < n; i += 1000) res.write('y'.repeat(Math.min(1000, n - i)));
          return res.end();
        }
        case '/gzip': {
          const n = Number(u.searchParams.get('n'));
          res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
          return res.end(zlib.gzipSync('z'.repeat(n)));
        }
        case '/binary':
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          return res.end(Buffer.from([0, 1, 2, 254, 255, 0xc3, 0x28]));
        default:
          return json(404, { error: 'not found' });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await engine.close();
});
afterEach(() => {
  vi.restoreAllMocks();
  seen.length = 0;
});

const account = fetchAccount;
const LOOPBACK = { allow: ['127.0.0.1/32'] };

function app(src: string, as: { tenant: string; host: HostHandler }, data?: unknown) {
  return exec(engine, `async function main(d) { ${src} }`, { ...as, type: 'app', data });
}

describe('fetch in a DID driver (examples/did-driver.js, unchanged)', () => {
  const driver = () => fs.readFileSync(new URL('did-driver.js', EXAMPLES), 'utf8');
  const env = () => ({ PROVIDER_URL: base, PROVIDER_TOKEN: 'tok-123' });

  it('searches (GET, JSON, headers), allocates (POST body), releases and lists against a server the account allows', async () => {
    const as = account(LOOPBACK);
    const search = await exec(engine, driver(), { ...as, type: 'driver', fn: 'search', data: { number: '+4420' }, env: env() });
    expect(search).toMatchObject({ ok: true, result: [{ did: '+44200001', monthly: 1.5 }, { did: '+44200002', monthly: 2 }] });
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/numbers?prefix=%2B4420', headers: { authorization: 'Bearer tok-123', host: `127.0.0.1:${port}` } });

    const allocate = await exec(engine, driver(), { ...as, type: 'driver', fn: 'allocate', data: { did: '+44200001' }, env: env() });
    expect(allocate).toMatchObject({ ok: true, result: { did: '+44200001', provider_ref: 'ord-1' } });
    expect(seen[1]).toMatchObject({ method: 'POST', body: '{"number":"+44200001"}', headers: { 'content-type': 'application/json', 'content-length': '22' } });
  });

  it('is refused for an account that does not allow loopback, with a clear error at the script', async () => {
    const r = await exec(engine, driver(), { ...account(), type: 'driver', fn: 'search', data: { number: '+4420' }, env: env() });
    expect(r).toMatchObject({
      ok: false,
      error: { name: 'EgressDeniedError', message: 'fetch to 127.0.0.1 (loopback) is not allowed for this account' },
    });
    expect(seen).toEqual([]);
  });
});

describe('the Response', () => {
  it('has ok, status, statusText, headers, url, text(), json(), arrayBuffer()', async () => {
    const r = await app(`
      const res = await fetch('${base}/echo', { method: 'put', headers: [['X-Trace', 'abc'], ['x-trace', 'def']], body: 'hello' });
      const json = await res.clone().json();
      const bytes = new Uint8Array(await (await fetch('${base}/binary')).arrayBuffer());
      let twice; try { await res.text(); await res.text() } catch (e) { twice = e.name + ': ' + e.message }
      const missing = await fetch('${base}/nope');
      return { ok: res.ok, status: res.status, statusText: res.statusText, url: res.url, ct: res.headers.get('Content-Type'),
        multi: res.headers.get('x-multi'), has: res.headers.has('set-cookie'), none: res.headers.get('x-none'),
        method: json.method, trace: json.headers['x-trace'], sentCt: json.headers['content-type'], body: json.body,
        bytes: Array.from(bytes), twice, missing: [missing.ok, missing.status, (await missing.json()).error] };`, account(LOOPBACK));
    expect(r).toMatchObject({
      ok: true,
      result: {
        ok: true, status: 200, statusText: 'OK', url: `${base}/echo`, ct: 'application/json', multi: 'a', has: true, none: null,
        method: 'PUT', trace: 'abc, def', sentCt: 'text/plain;charset=UTF-8', body: 'hello',
        bytes: [0, 1, 2, 254, 255, 0xc3, 0x28], twice: 'TypeError: The response body has already been read',
        missing: [false, 404, 'not found'],
      },
    });
  });

  it('sends binary bodies and decompresses gzip', async () => {
    const r = await app(`
      const echo = await (await fetch('${base}/echo', { method: 'POST', body: new Uint8Array([104, 105]) })).json();
      const z = await (await fetch('${base}/gzip?n=10')).text();
      return [echo.body, z];`, account(LOOPBACK));
    expect(r).toMatchObject({ ok: true, result: ['hi', 'zzzzzzzzzz'] });
  });

  it('says what is wrong with a bad URL, scheme, method or body', async () => {
    const r = await app(`
      const out = [];
      for (const [u, o] of [['/relative'], ['ftp://127.0.0.1/'], ['${base}/', { method: 'CONNECT' }], ['${base}/', { body: 'x' }], ['${base}/', { method: 'POST', body: { a: 1 } }]]) {
        try { await fetch(u, o); out.push('no error') } catch (e) { out.push((e instanceof TypeError) + ' ' + e.name + ': ' + e.message) }
      }
      return out;`, account(LOOPBACK));
    expect(r).toMatchObject({
      ok: true,
      result: [
        'true TypeError: fetch: "/relative" is not an absolute URL',
        'true TypeError: fetch: only http and https URLs are supported, not ftp:',
        'true TypeError: fetch: the CONNECT method is not allowed',
        'true TypeError: fetch: a GET request cannot have a body',
        'true TypeError: fetch: the body must be a string, an ArrayBuffer or a typed array (for JSON: body: JSON.stringify(data))',
      ],
    });
  });
});

describe('the egress policy', () => {
  /** Any attempt to open a connection fails the test loudly instead of sending a packet. */
  function forbidConnections() {
    const boom = () => {
      throw new Error('a connection was attempted');
    };
    return [vi.spyOn(http, 'request').mockImplementation(boom)];
  }

  const refused: [string, string][] = [
    ['http://127.0.0.1/', '127.0.0.1 (loopback)'],
    ['http://127.9.9.9/', '127.9.9.9 (loopback)'],
    ['http://[::1]/', '::1 (loopback)'],
    ['http://10.0.0.1/', '10.0.0.1 (private)'],
    ['http://172.16.0.1/', '172.16.0.1 (private)'],
    ['http://192.168.1.1/', '192.168.1.1 (private)'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254 (metadata)'],
    ['http://169.254.1.1/', '169.254.1.1 (link-local)'],
    ['http://[fe80::1]/', 'fe80::1 (link-local)'],
    ['http://[fc00::1]/', 'fc00::1 (unique-local)'],
    ['http://[fd00:ec2::254]/', 'fd00:ec2::254 (metadata)'],
    ['http://0.0.0.0/', '0.0.0.0 (unspecified)'],
    ['http://[::]/', ':: (unspecified)'],
    ['http://224.0.0.1/', '224.0.0.1 (multicast)'],
    ['http://[ff02::1]/', 'ff02::1 (multicast)'],
    ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1 (loopback)'],
    ['http://[::ffff:169.254.169.254]/', '::ffff:a9fe:a9fe (metadata)'],
    ['http://[::ffff:10.0.0.1]/', '::ffff:a00:1 (private)'],
    ['http://2130706433/', '127.0.0.1 (loopback)'], // the URL parser's decimal form
    ['http://0x7f.1/', '127.0.0.1 (loopback)'],
    ['http://100.100.100.200/', '100.100.100.200 (metadata)'],
  ];

  it('refuses every special range, literal or in any IPv6 form, before connecting', async () => {
    const spies = forbidConnections();
    const urls = JSON.stringify(refused.map(([u]) => u));
    const r = await app(`
      const out = [];
      for (const u of ${urls}) { try { await fetch(u); out.push('fetched ' + u) } catch (e) { out.push(e.name + ': ' + e.message) } }
      return out;`, account({ ratePerSecond: 1000 }));
    expect(r).toMatchObject({ ok: true, result: refused.map(([, what]) => `EgressDeniedError: fetch to ${what} is not allowed for this account`) });
    for (const s of spies) expect(s).not.toHaveBeenCalled();
  });

  it('refuses a host name that resolves to a refused address (DNS rebinding), and never re-resolves', async () => {
    let calls = 0;
    let flips = 0;
    const answers: Record<string, string[]> = { 'api.provider.test': ['127.0.0.1'], 'rebind.test': ['127.0.0.2'], 'mixed.test': ['127.0.0.2', '127.0.0.1'] };
    const lookup = async (h: string) => {
      calls++;
      if (h === 'flip.test') return [{ address: ++flips === 1 ? '127.0.0.1' : '127.0.0.2', family: 4 }];
      const a = answers[h];
      if (!a) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return a.map((address) => ({ address, family: 4 }));
    };
    const as = account({ allow: ['127.0.0.1/32'], lookup });
    const r = await app(`
      const out = [];
      for (const h of ['api.provider.test', 'rebind.test', 'mixed.test', 'flip.test', 'flip.test', 'nowhere.test']) {
        try { const res = await fetch('http://' + h + ':${port}/echo'); out.push(h + ' ' + res.status + ' ' + (await res.json()).headers.host) }
        catch (e) { out.push(e.name + ': ' + e.message) }
      }
      return out;`, as);
    expect(r).toMatchObject({
      ok: true,
      result: [
        `api.provider.test 200 api.provider.test:${port}`,
        'EgressDeniedError: fetch to rebind.test (resolves to 127.0.0.2, loopback) is not allowed for this account',
        `mixed.test 200 mixed.test:${port}`,
        `flip.test 200 flip.test:${port}`,
        'EgressDeniedError: fetch to flip.test (resolves to 127.0.0.2, loopback) is not allowed for this account',
        `FetchError: fetch to http://nowhere.test:${port}/echo failed: could not resolve nowhere.test (ENOTFOUND)`,
      ],
    });
    expect(calls).toBe(6); // once per fetch: the socket used the vetted answer, Node did not resolve again
    // and the default resolver is not consulted for 'localhost' tricks either: it is loopback
    const local = await app(`try { await fetch('http://localhost:${port}/echo') } catch (e) { return e.name + ': ' + e.message }`, account());
    expect(local).toMatchObject({ ok: true, result: expect.stringMatching(/^EgressDeniedError: fetch to localhost \(resolves to (127\.0\.0\.1|::1), loopback\)/) });
  });

  it('follows redirects to allowed addresses and refuses one to a refused address', async () => {
    const spied = vi.spyOn(http, 'request');
    const as = account(LOOPBACK);
    const to = (u: string, status = 302) => `${base}/redirect?status=${status}&to=${encodeURIComponent(u)}`;
    const r = await app(`
      const out = [];
      const ok = await fetch('${to('/numbers?prefix=1')}');
      out.push([ok.status, ok.redirected, ok.url, (await ok.json()).numbers.length]);
      const post = await fetch('${to('/echo', 303)}', { method: 'POST', body: 'x' });
      out.push((await post.json()).method);
      const keep = await fetch('${to('/echo', 307)}', { method: 'POST', body: 'kept' });
      out.push((await keep.json()).body);
      const manual = await fetch('${to('/echo')}', { redirect: 'manual' });
      out.push([manual.status, manual.headers.get('location')]);
      for (const u of ['${to('http://127.0.0.2:' + port + '/echo')}', '${to('http://169.254.169.254/latest/meta-data/', 301)}', '${to('http://[::1]:' + port + '/')}', '${base}/loop']) {
        try { await fetch(u); out.push('followed') } catch (e) { out.push(e.name + ': ' + e.message) }
      }
      return out;`, as);
    expect(r).toMatchObject({
      ok: true,
      result: [
        [200, true, `${base}/numbers?prefix=1`, 2],
        'GET',
        'kept',
        [302, '/echo'],
        'EgressDeniedError: fetch to 127.0.0.2 (loopback) is not allowed for this account',
        'EgressDeniedError: fetch to 169.254.169.254 (metadata) is not allowed for this account',
        'EgressDeniedError: fetch to ::1 (loopback) is not allowed for this account',
        `FetchError: fetch to ${base}/loop: more than 5 redirects`,
      ],
    });
    const hosts = spied.mock.calls.map((c) => (c[0] as { host: string }).host);
    expect(new Set(hosts)).toEqual(new Set(['127.0.0.1'])); // the refused hops were never connected to
  });

  it('times out (default 10 s, here 300 ms for the account)', async () => {
    const t0 = Date.now();
    const r = await app(`try { await fetch('${base}/slow') } catch (e) { return e.name + ': ' + e.message }`, account({ ...LOOPBACK, timeoutMs: 300 }));
    expect(r).toMatchObject({ ok: true, result: `FetchTimeoutError: fetch to ${base}/slow timed out after 300 ms` });
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('caps the response size, declared, chunked or compressed', async () => {
    const r = await app(`
      const out = [];
      out.push((await (await fetch('${base}/big?n=1000')).text()).length);
      for (const p of ['/big?n=1001', '/chunked?n=5000', '/gzip?n=100000']) {
        try { await fetch('${base}' + p); out.push('read ' + p) } catch (e) { out.push(e.name + ': ' + e.message) }
      }
      return out;`, account({ ...LOOPBACK, maxResponseBytes: 1000 }));
    expect(r).toMatchObject({
      ok: true,
      result: [
        1000,
        `ResponseTooLargeError: fetch to ${base}/big: the response is larger than 1000 bytes, the limit for this account`,
        `ResponseTooLargeError: fetch to ${base}/chunked: the response is larger than 1000 bytes, the limit for this account`,
        `ResponseTooLargeError: fetch to ${base}/gzip: the response is larger than 1000 bytes, the limit for this account`,
      ],
    });
  });

  it('rate-limits per account (token bucket), across executions, and refills with time', async () => {
    let clock = 0;
    const limiter = new RateLimiter();
    const as = account({ ...LOOPBACK, ratePerSecond: 2 }, { now: () => clock, limiter });
    const burst = `const out = [];
      for (let i = 0; i < 3; i++) { try { out.push((await fetch('${base}/echo')).status) } catch (e) { out.push(e.name + ': ' + e.message) } }
      return out;`;
    const limited = 'RateLimitError: fetch: this account may make at most 2 requests per second (burst 2); try again shortly';
    expect(await app(burst, as)).toMatchObject({ ok: true, result: [200, 200, limited] });
    expect(await app(burst, as)).toMatchObject({ ok: true, result: [limited, limited, limited] });
    clock += 500; // one token back
    expect(await app(burst, as)).toMatchObject({ ok: true, result: [200, limited, limited] });
    // another account has its own bucket
    expect(await app(burst, account({ ...LOOPBACK, ratePerSecond: 2 }, { now: () => clock, limiter }))).toMatchObject({ ok: true, result: [200, 200, limited] });
  });
});

describe("type 'script'", () => {
  it('has no fetch: a clear error', async () => {
    const req = await exec(engine, "const f = require('fetch'); function main() { return 1 }", { ...account(LOOPBACK), type: 'script' });
    expect(req).toMatchObject({ ok: false, error: { name: 'ExecutionTypeError', message: expect.stringContaining("type 'script' runs synchronously") } });
    const r = await exec(engine, `function main() { fetch('${base}/echo'); return 1 }`, { ...account(LOOPBACK), type: 'script' });
    expect(r).toMatchObject({
      ok: false,
      error: { name: 'ExecutionTypeError', message: "fetch() is not available in type 'script', which runs synchronously: use type 'app'" },
    });
    expect(seen).toEqual([]);
  });
});
