// cxRest through the real server against a platform API on loopback: the operator's credentials and
// the account's identity go with every request; paths cannot leave the API; errors are clear.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../server-helpers.js';

let t: TestServer;
let bare: TestServer;
let platform: http.Server;
let port: number;
const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  platform = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const json = (status: number, v: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(v));
      };
      const p = (req.url ?? '').split('?')[0];
      if (p === '/api/v2/customer/42' && req.method === 'GET') return json(200, { id: 42, name: 'Acme', balance: 12.5 });
      if (p === '/api/v2/customer/42/note' && req.method === 'POST') return json(201, { saved: JSON.parse(body) as unknown });
      if (p === '/api/v2/customer/42/note/1' && req.method === 'DELETE') return res.writeHead(204).end();
      return json(404, { error: 'no such resource' });
    });
  });
  await new Promise<void>((r) => platform.listen(0, '127.0.0.1', r));
  port = (platform.address() as AddressInfo).port;
  t = await startTestServer({ modules: { rest: { baseUrl: `http://127.0.0.1:${port}/api/v2`, token: 'operator-secret' } } });
  bare = await startTestServer();
});
afterAll(async () => {
  platform.closeAllConnections();
  await new Promise((r) => platform.close(r));
  await t.close();
  await bare.close();
});

async function run(s: TestServer, key: string, code: string, data?: unknown) {
  const created = await s.call('POST', '/api/v1/scripts', key, { name: 'rest', type: 'app', code });
  expect(created.status, created.text).toBe(201);
  return (await s.call('POST', `/api/v1/scripts/${created.body.id}/run`, key, data)).body;
}

describe('cxRest', () => {
  it('calls the platform API as the account (and user), with the operator credentials', async () => {
    const a = await t.account('acme');
    const r = await run(t, a.key, `
      const rest = require('cxRest');
      async function main(data) {
        const api = rest.auth('csmith');
        const customer = await api.get('/customer/' + data.id, { fields: 'name,balance', tag: ['a', 'b'] });
        const note = await api.post('/customer/' + data.id + '/note', { text: 'called' });
        const gone = await rest.auth().delete('/customer/42/note/1');
        return { customer, note, gone };
      }`, { id: 42 });
    expect(r).toMatchObject({ ok: true, result: { customer: { name: 'Acme', balance: 12.5 }, note: { saved: { text: 'called' } }, gone: null } });
    expect(seen.map((s) => [s.method, s.url, s.headers.authorization, s.headers['x-scriptforge-account'], s.headers['x-scriptforge-user'] ?? null])).toEqual([
      ['GET', '/api/v2/customer/42?fields=name%2Cbalance&tag=a&tag=b', 'Bearer operator-secret', a.id, 'csmith'],
      ['POST', '/api/v2/customer/42/note', 'Bearer operator-secret', a.id, 'csmith'],
      ['DELETE', '/api/v2/customer/42/note/1', 'Bearer operator-secret', a.id, null],
    ]);
    expect(seen[1].headers['content-type']).toBe('application/json');
    expect(seen[1].body).toBe('{"text":"called"}');
  });

  it('keeps paths inside the API and says what is wrong', async () => {
    seen.length = 0;
    const a = await t.account('paths');
    const r = await run(t, a.key, `
      const api = require('cxRest').auth();
      async function main() {
        const out = [];
        for (const p of ['/missing', '/../admin', 'http://169.254.169.254/', '//evil.test/x', '/a/%2e%2e/b', 42]) {
          try { await api.get(p); out.push('ok ' + p) } catch (e) { out.push(e.name + ': ' + e.message) }
        }
        return out;
      }`);
    expect(r.result).toEqual([
      'RestError: cxRest GET /missing failed: 404 Not Found: {"error":"no such resource"}',
      `RestError: cxRest: the path "/../admin" may not contain '..', '//', backslashes, control or encoded separator characters`,
      `RestError: cxRest: the path must be a string starting with '/', not "http://169.254.169.254/"`,
      `RestError: cxRest: the path "//evil.test/x" may not contain '..', '//', backslashes, control or encoded separator characters`,
      `RestError: cxRest: the path "/a/%2e%2e/b" may not contain '..', '//', backslashes, control or encoded separator characters`,
      "RestError: cxRest: the path must be a string starting with '/', not 42",
    ]);
    expect(seen.map((s) => s.url)).toEqual(['/api/v2/missing']);
  });

  it("does not open the API's host to the account's own fetch", async () => {
    const a = await t.account('fetcher');
    const r = await run(t, a.key, `async function main() { try { await fetch('http://127.0.0.1:${port}/api/v2/customer/42') } catch (e) { return e.name } }`);
    expect(r.result).toBe('EgressDeniedError');
  });

  it('is a clear error when the operator has configured no API', async () => {
    const a = await bare.account('nothing');
    const r = await run(bare, a.key, `import { auth } from 'cxRest'; export async function main() { return auth().get('/customer/1') }`);
    expect(r).toMatchObject({ ok: false, error: { name: 'RestNotConfiguredError', message: 'cxRest: this server has no platform API configured (the operator sets SCRIPTFORGE_REST_URL)' } });
  });
});
