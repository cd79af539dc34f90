// The HTTP API end to end: a real server on a free port, a temporary data directory, real workers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../server-helpers.js';

let t: TestServer;
let a: { id: string; key: string; keyId: string };
let b: { id: string; key: string };
beforeAll(async () => {
  t = await startTestServer();
  a = await t.account('alpha');
  b = await t.account('beta');
});
afterAll(() => t.close());

const DOUBLE = 'function main(data) { return data.n * 2 }';

async function create(key: string, body: Record<string, unknown>) {
  const r = await t.call('POST', '/api/v1/scripts', key, body);
  expect(r.status).toBe(201);
  return r.body as { id: string; version: number };
}

describe('accounts and keys', () => {
  it('needs a key', async () => {
    const r = await t.call('GET', '/api/v1/scripts', null);
    expect(r.status).toBe(401);
    expect(r.body.error.message).toMatch(/Authorization: Bearer/);
    expect((await t.call('GET', '/api/v1/scripts', 'sf_wrong')).status).toBe(401);
  });

  it('lets only the operator create accounts, and shows each key once', async () => {
    expect((await t.call('POST', '/api/v1/accounts', a.key, { name: 'x' })).status).toBe(403);
    const r = await t.call('POST', '/api/v1/accounts', t.adminKey, { name: 'gamma' });
    expect(r.status).toBe(201);
    expect(r.body.apiKey).toMatch(/^sf_/);
    const list = await t.call('GET', '/api/v1/accounts', t.adminKey);
    expect(list.body.map((x: { name: string }) => x.name)).toEqual(expect.arrayContaining(['alpha', 'beta', 'gamma']));
    expect(JSON.stringify(list.body)).not.toContain('sf_');
  });

  it('makes more keys for an account', async () => {
    const r = await t.call('POST', `/api/v1/accounts/${a.id}/keys`, t.adminKey);
    expect(r.status).toBe(201);
    expect((await t.call('GET', '/api/v1/scripts', r.body.apiKey)).status).toBe(200);
    expect((await t.call('POST', '/api/v1/accounts/acct_nope/keys', t.adminKey)).status).toBe(404);
  });
});

describe('scripts and versions', () => {
  it('creates version 1, deployed, and runs it', async () => {
    const s = await create(a.key, { name: 'double', type: 'script', code: DOUBLE });
    expect(s.version).toBe(1);
    const r = await t.call('POST', `/api/v1/scripts/${s.id}/run`, a.key, { n: 21 });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ok: true, result: 42, logs: [] });
    expect(r.body.executionId).toMatch(/^exe_/);
  });

  it('makes a new version on PUT with code, deploys it unless deploy is false, and rolls back', async () => {
    const s = await create(a.key, { name: 'versions', type: 'script', code: 'function main() { return "v1" }' });
    const put = await t.call('PUT', `/api/v1/scripts/${s.id}`, a.key, { code: 'function main() { return "v2" }' });
    expect(put.body).toMatchObject({ version: 2, latestVersion: 2 });
    expect((await t.call('POST', `/api/v1/scripts/${s.id}/run`, a.key)).body.result).toBe('v2');
    const staged = await t.call('PUT', `/api/v1/scripts/${s.id}`, a.key, { code: 'function main() { return "v3" }', deploy: false });
    expect(staged.body).toMatchObject({ version: 2, latestVersion: 3 });
    expect((await t.call('POST', `/api/v1/scripts/${s.id}/run`, a.key)).body.result).toBe('v2');
    const versions = await t.call('GET', `/api/v1/scripts/${s.id}/versions`, a.key);
    expect(versions.body.map((v: { version: number; deployed: boolean }) => [v.version, v.deployed])).toEqual([[1, false], [2, true], [3, false]]);
    const back = await t.call('POST', `/api/v1/scripts/${s.id}/deploy`, a.key, { version: 1 });
    expect(back.body.version).toBe(1);
    expect((await t.call('POST', `/api/v1/scripts/${s.id}/run`, a.key)).body.result).toBe('v1');
    expect((await t.call('GET', `/api/v1/scripts/${s.id}/versions/3`, a.key)).body.code).toBe('function main() { return "v3" }');
    const missing = await t.call('POST', `/api/v1/scripts/${s.id}/deploy`, a.key, { version: 9 });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/no version 9 \(latest is 3\)/);
  });

  it('says which key saved each version', async () => {
    const second = await t.call('POST', `/api/v1/accounts/${a.id}/keys`, t.adminKey);
    expect(second.body.keyId).toMatch(/^key:[0-9a-f]{10}$/);
    const s = await create(a.key, { name: 'authored', type: 'script', code: 'function main() { return 1 }' });
    await t.call('PUT', `/api/v1/scripts/${s.id}`, second.body.apiKey, { code: 'function main() { return 2 }' });
    const versions = (await t.call('GET', `/api/v1/scripts/${s.id}/versions`, a.key)).body as { version: number; author: string }[];
    expect(versions.map((v) => v.author)).toEqual([a.keyId, second.body.keyId]);
    expect(a.keyId).not.toBe(second.body.keyId);
    expect((await t.call('GET', `/api/v1/scripts/${s.id}/versions/2`, a.key)).body.author).toBe(second.body.keyId);
  });

  it('refuses code that does not parse, with line and column, and saves nothing', async () => {
    const before = (await t.call('GET', '/api/v1/scripts', a.key)).body.length;
    const r = await t.call('POST', '/api/v1/scripts', a.key, { name: 'broken', type: 'script', code: 'function main() {\n  return 1 +;\n}' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'SYNTAX_ERROR', line: 2, column: 13, field: 'body.code' });
    expect((await t.call('GET', '/api/v1/scripts', a.key)).body.length).toBe(before);
    const s = await create(a.key, { name: 'ok', type: 'script', code: DOUBLE });
    const bad = await t.call('PUT', `/api/v1/scripts/${s.id}`, a.key, { code: 'function (' });
    expect(bad.status).toBe(400);
    expect((await t.call('GET', `/api/v1/scripts/${s.id}/versions`, a.key)).body).toHaveLength(1);
  });

  it('refuses a script type that cannot run the code, and modules that do not exist', async () => {
    const wrong = await t.call('POST', '/api/v1/scripts', a.key, { name: 'w', type: 'script', code: 'async function main() { await 1 }' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('WRONG_TYPE');
    const mod = await t.call('POST', '/api/v1/scripts', a.key, { name: 'm', type: 'app', code: "const fs = require('fs');\nfunction main() {}" });
    expect(mod.body.error).toMatchObject({ code: 'MODULE_NOT_FOUND', line: 1 });
  });

  it('deletes scripts', async () => {
    const s = await create(a.key, { name: 'gone', type: 'script', code: DOUBLE });
    expect((await t.call('DELETE', `/api/v1/scripts/${s.id}`, a.key)).status).toBe(204);
    expect((await t.call('GET', `/api/v1/scripts/${s.id}`, a.key)).status).toBe(404);
    expect((await t.call('POST', `/api/v1/scripts/${s.id}/run`, a.key, {})).status).toBe(404);
  });
});

describe('environment variables', () => {
  it('reach process.env with the built-ins; secrets are never returned', async () => {
    const s = await create(a.key, { name: 'env', type: 'script', code: 'function main() { const e = process.env; return [e.GREETING, e.TOKEN, e.SCRIPTFORGE_ID, e.SCRIPTFORGE_NAME, e.SCRIPTFORGE_VERSION, e.ACCOUNT_ID, typeof e.EXEC_HOST] }' });
    const put = await t.call('PUT', `/api/v1/scripts/${s.id}/env`, a.key, { GREETING: 'hello', TOKEN: { value: 's3cret', secret: true } });
    expect(put.status).toBe(200);
    const got = await t.call('GET', `/api/v1/scripts/${s.id}/env`, a.key);
    expect(got.body).toEqual({ GREETING: { value: 'hello', secret: false }, TOKEN: { secret: true } });
    expect(got.text).not.toContain('s3cret');
    const r = await t.call('POST', `/api/v1/scripts/${s.id}/run`, a.key);
    expect(r.body.result).toEqual(['hello', 's3cret', s.id, 'env', '1', a.id, 'string']);
    await t.call('PUT', `/api/v1/scripts/${s.id}/env`, a.key, { GREETING: 'changed' });
    expect((await t.call('POST', `/api/v1/scripts/${s.id}/run`, a.key)).body.result.slice(0, 2)).toEqual(['changed', null]);
    const bad = await t.call('PUT', `/api/v1/scripts/${s.id}/env`, a.key, { 'not-a-name': 'x' });
    expect(bad.status).toBe(400);
  });
});

describe('run', () => {
  it('calls a function by name, also at the original platform path', async () => {
    const s = await create(a.key, { name: 'drv', type: 'driver', code: 'module.exports = { search: async ({ number }) => [{ did: number }] }' });
    const r = await t.call('POST', `/api/v1/scripts/${s.id}/run/search`, a.key, { number: '4420' });
    expect(r.body).toMatchObject({ ok: true, result: [{ did: '4420' }] });
    const cp = await t.call('POST', `/api/cp/scriptforge/${s.id}/run/search`, a.key, { number: '1' });
    expect(cp.body).toMatchObject({ ok: true, result: [{ did: '1' }] });
  });

  it('answers script failures with the typed error, SIP code included, as a 200 envelope', async () => {
    const s = await create(a.key, { name: 'dnc', type: 'script', code: "function main() {\n  throw new Error('604 Number on DNC List');\n}" });
    const r = await t.call('POST', `/api/v1/scripts/${s.id}/run`, a.key, {});
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ok: false, error: { sipCode: 604, reason: 'Number on DNC List', line: 2 } });
  });

  it('streams logs as Server-Sent Events before the result', async () => {
    const s = await create(a.key, {
      name: 'stream', type: 'app',
      code: "async function main(d) { console.log('starting', d.n); await new Promise((r) => setTimeout(r, 400)); console.log('done'); return d.n }",
    });
    const res = await fetch(`${t.url}/api/v1/scripts/${s.id}/run`, {
      method: 'POST', headers: { authorization: `Bearer ${a.key}`, accept: 'text/event-stream', 'content-type': 'application/json' }, body: '{"n":7}',
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const started = Date.now();
    const events: { name: string; data: any; at: number }[] = [];
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += new TextDecoder().decode(value);
      let i;
      while ((i = buf.indexOf('\n\n')) !== -1) {
        const chunk = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const name = /^event: (.*)$/m.exec(chunk)![1];
        events.push({ name, data: JSON.parse(/^data: (.*)$/m.exec(chunk)![1]), at: Date.now() - started });
      }
    }
    expect(events.map((e) => e.name)).toEqual(['log', 'log', 'result']);
    expect(events[0].data.message).toBe('starting 7');
    expect(events[2].data).toMatchObject({ ok: true, result: 7 });
    expect(events[2].at - events[0].at).toBeGreaterThan(300); // the first log came while the script still ran
  });

  it('records every execution with logs and timing', async () => {
    const s = await create(a.key, { name: 'logged', type: 'script', code: 'function main(d) { console.info("seen", d.k); return d.k }' });
    const run = await t.call('POST', `/api/v1/scripts/${s.id}/run`, a.key, { k: 'v' });
    const list = await t.call('GET', `/api/v1/executions?scriptId=${s.id}&limit=5`, a.key);
    expect(list.body).toHaveLength(1);
    expect(list.body[0]).toMatchObject({ id: run.body.executionId, ok: true, trigger: 'api', version: 1, fn: 'main' });
    const one = await t.call('GET', `/api/v1/executions/${run.body.executionId}`, a.key);
    expect(one.body).toMatchObject({ ok: true, result: 'v', logs: [{ level: 'info', message: 'seen v' }] });
    expect(typeof one.body.cpuMs).toBe('number');
  });
});

describe('accounts never see each other', () => {
  it('404s every other account\'s script, version, env, run and execution', async () => {
    const s = await create(a.key, { name: 'private', type: 'script', code: DOUBLE });
    await t.call('PUT', `/api/v1/scripts/${s.id}/env`, a.key, { SECRET: 'alpha-only' });
    const run = await t.call('POST', `/api/v1/scripts/${s.id}/run`, a.key, { n: 1 });
    const attempts = await Promise.all([
      t.call('GET', `/api/v1/scripts/${s.id}`, b.key),
      t.call('PUT', `/api/v1/scripts/${s.id}`, b.key, { code: 'function main() { return "pwned" }' }),
      t.call('DELETE', `/api/v1/scripts/${s.id}`, b.key),
      t.call('GET', `/api/v1/scripts/${s.id}/versions`, b.key),
      t.call('GET', `/api/v1/scripts/${s.id}/versions/1`, b.key),
      t.call('POST', `/api/v1/scripts/${s.id}/deploy`, b.key, { version: 1 }),
      t.call('GET', `/api/v1/scripts/${s.id}/env`, b.key),
      t.call('PUT', `/api/v1/scripts/${s.id}/env`, b.key, { X: '1' }),
      t.call('POST', `/api/v1/scripts/${s.id}/run`, b.key, { n: 1 }),
      t.call('POST', `/api/cp/scriptforge/${s.id}/run`, b.key, { n: 1 }),
      t.call('GET', `/api/v1/executions/${run.body.executionId}`, b.key),
    ]);
    expect(attempts.map((r) => r.status)).toEqual(Array(attempts.length).fill(404));
    expect((await t.call('GET', '/api/v1/scripts', b.key)).body.map((x: { id: string }) => x.id)).not.toContain(s.id);
    expect((await t.call('GET', `/api/v1/executions?scriptId=${s.id}`, b.key)).body).toEqual([]);
    // and alpha's script is untouched
    expect((await t.call('POST', `/api/v1/scripts/${s.id}/run`, a.key, { n: 2 })).body.result).toBe(4);
    expect((await t.call('GET', `/api/v1/scripts/${s.id}/env`, a.key)).body.SECRET.value).toBe('alpha-only');
  });
});

describe('bad input gets a clear 4xx', () => {
  it.each([
    ['malformed JSON', '/api/v1/scripts', '{"name": ', 400, /JSON|Unexpected/],
    ['a wrong type', '/api/v1/scripts', { name: 'x', type: 'lambda', code: '' }, 400, /body\.type must be equal to one of the allowed values/],
    ['a missing field', '/api/v1/scripts', { name: 'x', type: 'script' }, 400, /body\.code is required/],
    ['an unknown field', '/api/v1/scripts', { name: 'x', type: 'script', code: DOUBLE, colour: 'red' }, 400, /body\.colour is not a known field/],
    ['limits above the maxima', '/api/v1/scripts', { name: 'x', type: 'script', code: DOUBLE, limits: { memoryMb: 100000 } }, 400, /memoryMb = 100000 is above/],
  ])('%s', async (_what, path, body, status, message) => {
    const r = await t.call('POST', path, a.key, body);
    expect(r.status).toBe(status);
    expect(r.body.error.message).toMatch(message);
  });

  it('malformed JSON to run', async () => {
    const s = await create(a.key, { name: 'j', type: 'script', code: DOUBLE });
    const r = await t.call('POST', `/api/v1/scripts/${s.id}/run`, a.key, '{"n": 1,');
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('INVALID_JSON');
  });

  it('an oversized body', async () => {
    const r = await t.call('POST', '/api/v1/scripts', a.key, { name: 'big', type: 'script', code: `// ${'x'.repeat(2 * 1024 * 1024)}` });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('BODY_TOO_LARGE');
  });

  it('unknown ids and routes', async () => {
    expect((await t.call('GET', '/api/v1/scripts/scr_nope', a.key)).body.error).toMatchObject({ code: 'NOT_FOUND', message: "No script with id 'scr_nope'" });
    expect((await t.call('GET', '/api/v1/executions/exe_nope', a.key)).status).toBe(404);
    expect((await t.call('GET', '/api/v1/nothing', a.key)).status).toBe(404);
  });
});

describe('operations', () => {
  it('serves /healthz, /metrics and the OpenAPI document built from the route schemas', async () => {
    expect((await t.call('GET', '/healthz', null)).body).toMatchObject({ ok: true, workers: 1 });
    const m = await t.call('GET', '/metrics', null);
    expect(m.text).toMatch(/scriptforge_executions_total\{trigger="api",outcome="ok"\} \d+/);
    expect(m.text).toMatch(/scriptforge_worker_restarts_total \d+/);
    expect(m.text).toMatch(/scriptforge_execution_duration_seconds_bucket\{le="\+Inf"\} \d+/);
    const doc = await t.call('GET', '/docs/json', null);
    expect(doc.body.openapi).toMatch(/^3/);
    expect(doc.body.paths['/api/v1/scripts'].post.requestBody.content['application/json'].schema.required).toEqual(['name', 'type', 'code']);
    const ui = await t.call('GET', '/docs/', null);
    expect(ui.text).toMatch(/swagger/i);
  });
});

describe('graceful shutdown', () => {
  it('finishes executions in flight before it stops', async () => {
    const own = await startTestServer();
    const k = (await own.account('late')).key;
    const s = (await own.call('POST', '/api/v1/scripts', k, { name: 'slow', type: 'app', code: 'async function main() { await new Promise((r) => setTimeout(r, 500)); return "finished" }' })).body;
    const inFlight = own.call('POST', `/api/v1/scripts/${s.id}/run`, k, {});
    await new Promise((r) => setTimeout(r, 100));
    const closing = own.close();
    const r = await inFlight;
    expect(r).toMatchObject({ status: 200, body: { ok: true, result: 'finished' } });
    await closing;
  });
});
