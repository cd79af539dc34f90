// axios in the sandbox (PRODUCT.md §5): the real library, its requests sent through the sandbox's
// fetch and so through the account's egress policy. Customer-like scripts run through the real
// engine against an HTTP server on loopback, started here; the account allows loopback or not.
// Needs the bundles: npm run build (or node scripts/bundle-modules.mjs).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Engine, HostHandler } from '../../src/engine/index.js';
import { MODULES } from '../../src/modules/index.js';
import { LIBRARY_MANIFEST, LIBRARY_MODULES } from '../../src/modules/libs/index.js';
import { fetchAccount } from './fetch-account.js';
import { exec, startEngine } from '../helpers.js';

let engine: Engine;
let server: http.Server;
let base: string;
const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  engine = await startEngine({ workers: 1, modules: MODULES });
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const json = (status: number, v: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'r-1' });
        res.end(JSON.stringify(v));
      };
      switch (u.pathname) {
        case '/v1/numbers':
          return json(200, { numbers: [{ e164: `${u.searchParams.get('prefix')}0001`, n: Number(u.searchParams.get('n')) }] });
        case '/v1/orders':
          return json(201, { id: 'ord-1', got: JSON.parse(body) as unknown });
        case '/v1/echo':
          return json(200, { method: req.method, url: req.url, headers: req.headers, body });
        case '/v1/text':
          res.writeHead(200, { 'content-type': 'text/plain' });
          return res.end('plain words');
        case '/v1/broken':
          return json(503, { error: 'provider down' });
        case '/v1/slow':
          return; // never answers
        default:
          return json(404, { error: 'not found' });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await engine.close();
});
afterEach(() => {
  seen.length = 0;
});

const account = fetchAccount;
const LOOPBACK = { allow: ['127.0.0.1'] };

function app(src: string, as: { tenant: string; host: HostHandler }, data?: unknown) {
  return exec(engine, `const axios = require('axios');\nasync function main(d) { ${src} }`, { ...as, type: 'app', data });
}
/** Runs an app and returns its result, failing with the script's error if it threw. */
async function result(src: string, as = account(LOOPBACK), data?: unknown): Promise<unknown> {
  const r = await app(src, as, data);
  if (!r.ok) throw new Error(`script failed: ${r.error.name}: ${r.error.message}`);
  return r.result;
}

describe('the axios module', () => {
  it('is the real axios, bundled with fetch as its dependency, and costs nothing to a script that does not name it', async () => {
    expect(LIBRARY_MANIFEST.modules.axios).toMatchObject({ packages: { axios: expect.stringMatching(/^1\./) }, deps: ['fetch'] });
    expect(LIBRARY_MODULES.axios.deps).toEqual(['fetch']);
    expect(LIBRARY_MODULES.axios.source).toMatch(/require\("fetch"\)/);
    expect(LIBRARY_MODULES.axios.source).not.toMatch(/require\(["'](?!fetch["'])/);
    expect(await result(`return [typeof axios, typeof axios.get, typeof axios.create, axios.VERSION, axios === axios.default,
      typeof axios.AxiosError, typeof axios.CancelToken, typeof axios.isAxiosError]`)).toEqual([
      'function', 'function', 'function', LIBRARY_MANIFEST.modules.axios.packages.axios, true, 'function', 'function', 'function',
    ]);
    // Modules are defined only for the scripts that name them: one that does not never has axios.
    const other = await exec(engine, "async function main() { const name = 'axi' + 'os'; return require(name) }", { ...account(), type: 'app' });
    expect(other).toMatchObject({ ok: false, error: { name: 'ModuleNotFoundError', message: expect.stringContaining("Module 'axios' can only be loaded with a string literal") } });
  });
});

describe('axios against a server the account allows', () => {
  it('GETs with params and headers and returns the JSON data', async () => {
    const r = await result(`
      const res = await axios.get('${base}/v1/numbers', { params: { prefix: '+4420', n: 2 }, headers: { Authorization: 'Bearer tok-1' } });
      return { data: res.data, status: res.status, statusText: res.statusText, id: res.headers['x-request-id'], ct: res.headers.get('content-type') };`);
    expect(r).toEqual({ data: { numbers: [{ e164: '+44200001', n: 2 }] }, status: 200, statusText: 'OK', id: 'r-1', ct: 'application/json' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/v1/numbers?prefix=%2B4420&n=2', headers: { authorization: 'Bearer tok-1', accept: 'application/json, text/plain, */*' } });
  });

  it('POSTs a JSON body, and PUT, PATCH and DELETE go out as asked', async () => {
    const r = await result(`
      const { data, status } = await axios.post('${base}/v1/orders', { number: '+44200001', tags: ['a', 'é'] });
      const put = await axios.put('${base}/v1/echo', { x: 1 });
      const patch = await axios.patch('${base}/v1/echo', 'raw text', { headers: { 'content-type': 'text/plain' } });
      const del = await axios.delete('${base}/v1/echo', { params: { id: 7 } });
      return { status, data, methods: [put.data.method, patch.data.method, del.data.method], patchBody: patch.data.body, delUrl: del.data.url };`);
    expect(r).toEqual({
      status: 201,
      data: { id: 'ord-1', got: { number: '+44200001', tags: ['a', 'é'] } },
      methods: ['PUT', 'PATCH', 'DELETE'],
      patchBody: 'raw text',
      delUrl: '/v1/echo?id=7',
    });
    expect(seen[0]).toMatchObject({ method: 'POST', body: '{"number":"+44200001","tags":["a","é"]}', headers: { 'content-type': 'application/json' } });
  });

  it('gives an AxiosError with the response on 4xx and 5xx', async () => {
    const r = await result(`
      const out = [];
      for (const path of ['/v1/nothing-here', '/v1/broken']) {
        try { await axios.get('${base}' + path); out.push('no error') }
        catch (e) { out.push({ is: axios.isAxiosError(e), inst: e instanceof axios.AxiosError, name: e.name, code: e.code, message: e.message,
          status: e.response.status, data: e.response.data, method: e.config.method }) }
      }
      // validateStatus decides what is an error
      const ok = await axios.get('${base}/v1/nothing-here', { validateStatus: () => true });
      out.push(ok.status);
      return out;`);
    expect(r).toEqual([
      { is: true, inst: true, name: 'AxiosError', code: 'ERR_BAD_REQUEST', message: 'Request failed with status code 404', status: 404, data: { error: 'not found' }, method: 'get' },
      { is: true, inst: true, name: 'AxiosError', code: 'ERR_BAD_RESPONSE', message: 'Request failed with status code 503', status: 503, data: { error: 'provider down' }, method: 'get' },
      404,
    ]);
  });

  it('axios.create: baseURL, default headers, request and response interceptors', async () => {
    const r = await result(`
      const api = axios.create({ baseURL: '${base}/v1/', timeout: 5000, headers: { 'X-Api-Key': 'k-1' } });
      api.interceptors.request.use((config) => { config.headers['X-Trace'] = 'trace-' + d.n; return config; });
      api.interceptors.response.use((res) => ({ ...res, data: { wrapped: res.data } }));
      const echo = await api.post('echo', { hello: 'world' }, { params: { q: 'a b&c' } });
      return { data: echo.data.wrapped, defaults: [api.defaults.baseURL, api.defaults.timeout] };`, account(LOOPBACK), { n: 42 });
    expect(r).toMatchObject({
      data: { method: 'POST', url: '/v1/echo?q=a+b%26c', body: '{"hello":"world"}', headers: { 'x-api-key': 'k-1', 'x-trace': 'trace-42', 'content-type': 'application/json' } },
      defaults: [`${base}/v1/`, 5000],
    });
    expect(seen[0].headers).toMatchObject({ 'x-api-key': 'k-1', 'x-trace': 'trace-42' });
  });

  it('basic auth (from auth or from the URL), form bodies, text and binary responses', async () => {
    const r = await result(`
      const auth = await axios.get('${base}/v1/echo', { auth: { username: 'user', password: 'pässword' } });
      const inUrl = await axios.get('${base}/v1/echo'.replace('//', '//us%40er:pw@'));
      const form = await axios.post('${base}/v1/echo', { a: 1, b: 'x y' }, { headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      const text = await axios.get('${base}/v1/text');
      const bytes = await axios.post('${base}/v1/echo', new Uint8Array([104, 105]), { responseType: 'arraybuffer', headers: { 'content-type': 'application/octet-stream' } });
      return { auth: auth.data.headers.authorization, inUrl: [inUrl.data.headers.authorization, inUrl.config.url.includes('@')],
        form: form.data.body, text: text.data, bytes: [bytes.data instanceof ArrayBuffer, JSON.parse(String.fromCharCode(...new Uint8Array(bytes.data))).body] };`);
    expect(r).toEqual({
      auth: `Basic ${Buffer.from('user:pässword').toString('base64')}`,
      inUrl: [`Basic ${Buffer.from('us@er:pw').toString('base64')}`, true],
      form: 'a=1&b=x+y',
      text: 'plain words',
      bytes: [true, 'hi'],
    });
  });

  it('times out with axios\'s own error, and cancels with a CancelToken', async () => {
    const t0 = Date.now();
    const r = await result(`
      const out = [];
      try { await axios.get('${base}/v1/slow', { timeout: 200 }) } catch (e) { out.push([axios.isAxiosError(e), e.code, e.message]) }
      const source = axios.CancelToken.source();
      setTimeout(() => source.cancel('caller gave up'), 50);
      try { await axios.get('${base}/v1/slow', { cancelToken: source.token }) } catch (e) { out.push([axios.isCancel(e), e.code, e.message]) }
      return out;`);
    expect(r).toEqual([
      [true, 'ETIMEDOUT', 'timeout of 200ms exceeded'],
      [true, 'ERR_CANCELED', 'caller gave up'],
    ]);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('works with import in a driver, as customers write drivers', async () => {
    const code = `import axios from 'axios';
      import { isAxiosError } from 'axios';
      const api = axios.create({ baseURL: process.env.PROVIDER_URL, headers: { authorization: 'Bearer ' + process.env.PROVIDER_TOKEN } });
      export async function search({ number }) {
        const { data } = await api.get('/v1/numbers', { params: { prefix: number, n: 1 } });
        return data.numbers.map((n) => ({ did: n.e164 }));
      }
      export async function release({ did }) {
        try { await api.delete('/v1/missing/' + encodeURIComponent(did)); return true }
        catch (e) { if (isAxiosError(e) && e.response && e.response.status === 404) return false; throw e }
      }`;
    const as = account(LOOPBACK);
    const env = { PROVIDER_URL: base, PROVIDER_TOKEN: 'tok-9' };
    expect(await exec(engine, code, { ...as, type: 'driver', fn: 'search', data: { number: '+4420' }, env })).toMatchObject({ ok: true, result: [{ did: '+44200001' }] });
    expect(await exec(engine, code, { ...as, type: 'driver', fn: 'release', data: { did: '+44200001' }, env })).toMatchObject({ ok: true, result: false });
    expect(seen.map((s) => [s.method, s.url, s.headers.authorization])).toEqual([
      ['GET', '/v1/numbers?prefix=%2B4420&n=1', 'Bearer tok-9'],
      ['DELETE', '/v1/missing/%2B44200001', 'Bearer tok-9'],
    ]);
  });
});

describe('axios under the egress policy', () => {
  const refusal = 'fetch to 127.0.0.1 (loopback) is not allowed for this account';

  it('an account without the allowlist is refused, with the egress error visible to the script', async () => {
    const r = await result(`
      try { await axios.get('${base}/v1/numbers', { params: { prefix: '1' } }); return 'fetched' }
      catch (e) { return { is: axios.isAxiosError(e), name: e.name, message: e.message, cause: e.cause && e.cause.name + ': ' + e.cause.message, response: e.response } }`, account());
    expect(r).toEqual({ is: true, name: 'EgressDeniedError', message: refusal, cause: `EgressDeniedError: ${refusal}` });
    expect(seen).toEqual([]);
  });

  it('uncaught, the refusal is the execution\'s error', async () => {
    const r = await app(`const { data } = await axios.create({ baseURL: '${base}' }).post('/v1/orders', { n: 1 }); return data;`, account());
    expect(r).toMatchObject({ ok: false, error: { name: 'EgressDeniedError', message: refusal } });
    expect(seen).toEqual([]);
  });

  it('the metadata address is refused whatever the allowlist holds for loopback', async () => {
    const r = await result(`try { await axios.get('http://169.254.169.254/latest/meta-data/') } catch (e) { return e.name + ': ' + e.message }`);
    expect(r).toBe('EgressDeniedError: fetch to 169.254.169.254 (metadata) is not allowed for this account');
  });
});

describe('what axios cannot do here, said clearly', () => {
  it('no XMLHttpRequest adapter, no blob responses, no relative URL without a baseURL; maxBodyLength is enforced', async () => {
    const r = await result(`
      const out = [];
      const attempts = [
        () => axios.get('${base}/v1/echo', { adapter: 'xhr' }),
        () => axios.get('${base}/v1/echo', { responseType: 'blob' }),
        () => axios.get('/v1/echo'),
        () => axios.post('${base}/v1/echo', 'x'.repeat(20), { maxBodyLength: 10 }),
      ];
      for (const f of attempts) {
        try { await f(); out.push('no error') } catch (e) { out.push(e.code + ': ' + e.message.split('\\n')[0] + (e.cause ? ' (' + e.cause.message + ')' : '')) }
      }
      out.push((await axios.post('${base}/v1/echo', 'short', { maxBodyLength: 10 })).data.body);
      return out;`);
    expect(r).toEqual([
      expect.stringMatching(/^ERR_NOT_SUPPORT: There is no suitable adapter to dispatch the request/),
      "ERR_NOT_SUPPORT: Response type 'blob' is not supported",
      'ERR_NETWORK: Network Error (fetch: "/v1/echo" is not an absolute URL)',
      'ERR_BAD_REQUEST: Request body larger than maxBodyLength limit',
      'short',
    ]);
  });
});
