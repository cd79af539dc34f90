// The egress policy as operators run it: set per account over the API, applied to that account's
// scripts only. A loopback HTTP server stands in for a customer's own API on a private network.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../server-helpers.js';

let t: TestServer;
let api: http.Server;
let base: string;
const hits: string[] = [];

beforeAll(async () => {
  t = await startTestServer();
  api = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ dnc: req.url?.includes('15550001') }));
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});
afterAll(async () => {
  api.closeAllConnections();
  await new Promise((r) => api.close(r));
  await t.close();
});

const LOOKUP = (b: string) => `
async function main(data) {
  const res = await fetch('${b}/dnc/' + data.number);
  const body = await res.json();
  if (body.dnc) return Promise.reject([604, 'Number on DNC List']);
  return { ok: true };
}`;

async function script(key: string, code: string): Promise<string> {
  const r = await t.call('POST', '/api/v1/scripts', key, { name: 'dnc-lookup', type: 'app', code });
  expect(r.status, r.text).toBe(201);
  return r.body.id as string;
}

describe('per-account egress policy', () => {
  it("lets an account reach what the operator allowed it, and no other account", async () => {
    const allowed = await t.account('allowed');
    const other = await t.account('other');
    const set = await t.call('PUT', `/api/v1/accounts/${allowed.id}/egress`, t.adminKey, { allow: ['127.0.0.1'], timeoutMs: 2000 });
    expect(set.status, set.text).toBe(200);
    expect(set.body).toEqual({ allow: ['127.0.0.1'], timeoutMs: 2000 });
    expect((await t.call('GET', `/api/v1/accounts/${allowed.id}/egress`, t.adminKey)).body).toEqual({ allow: ['127.0.0.1'], timeoutMs: 2000 });

    const a = await script(allowed.key, LOOKUP(base));
    const clean = await t.call('POST', `/api/v1/scripts/${a}/run`, allowed.key, { number: '15550002' });
    expect(clean.body).toMatchObject({ ok: true, result: { ok: true } });
    const dnc = await t.call('POST', `/api/v1/scripts/${a}/run`, allowed.key, { number: '15550001' });
    expect(dnc.body).toMatchObject({ ok: false, error: { sipCode: 604, reason: 'Number on DNC List' } });
    expect(hits).toEqual(['GET /dnc/15550002', 'GET /dnc/15550001']);

    const b = await script(other.key, LOOKUP(base));
    const refused = await t.call('POST', `/api/v1/scripts/${b}/run`, other.key, { number: '15550002' });
    expect(refused.body).toMatchObject({ ok: false, error: { name: 'EgressDeniedError', message: 'fetch to 127.0.0.1 (loopback) is not allowed for this account' } });
    expect(hits).toHaveLength(2);
  });

  it('applies to axios the same way', async () => {
    const allowed = await t.account('axios-allowed');
    const other = await t.account('axios-other');
    await t.call('PUT', `/api/v1/accounts/${allowed.id}/egress`, t.adminKey, { allow: ['127.0.0.1'] });
    const code = `
      import axios from 'axios';
      export async function main(data) {
        try {
          const { data: body } = await axios.get('${base}/dnc/' + data.number);
          return body;
        } catch (e) { return { refused: e.name + ': ' + e.message } }
      }`;
    const before = hits.length;
    expect((await t.call('POST', `/api/v1/scripts/${await script(allowed.key, code)}/run`, allowed.key, { number: '15550001' })).body)
      .toMatchObject({ ok: true, result: { dnc: true } });
    expect((await t.call('POST', `/api/v1/scripts/${await script(other.key, code)}/run`, other.key, { number: '15550001' })).body)
      .toMatchObject({ ok: true, result: { refused: 'EgressDeniedError: fetch to 127.0.0.1 (loopback) is not allowed for this account' } });
    expect(hits.length - before).toBe(1);
  });

  it('takes effect at once, and is taken back at once', async () => {
    const acct = await t.account('toggled');
    const id = await script(acct.key, LOOKUP(base));
    const run = () => t.call('POST', `/api/v1/scripts/${id}/run`, acct.key, { number: '1' });
    expect((await run()).body.error?.name).toBe('EgressDeniedError');
    await t.call('PUT', `/api/v1/accounts/${acct.id}/egress`, t.adminKey, { allow: ['127.0.0.0/8'] });
    expect((await run()).body).toMatchObject({ ok: true });
    await t.call('PUT', `/api/v1/accounts/${acct.id}/egress`, t.adminKey, {});
    expect((await run()).body.error?.name).toBe('EgressDeniedError');
  });

  it('is the operator\'s to set, with clear errors', async () => {
    const acct = await t.account('self-service');
    expect((await t.call('PUT', `/api/v1/accounts/${acct.id}/egress`, acct.key, { allow: ['0.0.0.0/0'] })).status).toBe(403);
    const bad = await t.call('PUT', `/api/v1/accounts/${acct.id}/egress`, t.adminKey, { allow: ['http://10.0.0.1/'] });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'INVALID_REQUEST', field: 'body.allow', message: expect.stringContaining('"http://10.0.0.1/" is neither an address, a CIDR nor a host name') });
    const unknown = await t.call('PUT', `/api/v1/accounts/${acct.id}/egress`, t.adminKey, { allowList: [] });
    expect(unknown.body.error).toMatchObject({ code: 'INVALID_REQUEST', message: 'body.allowList is not a known field' });
    expect((await t.call('PUT', '/api/v1/accounts/acct_nope/egress', t.adminKey, {})).status).toBe(404);
  });
});
