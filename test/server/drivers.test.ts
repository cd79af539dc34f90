// Drivers end to end (PRODUCT.md §6.4): POST /api/v1/drivers/{scriptId}/{method} runs the exported
// method with the body as its argument; DID driver results are checked against their shapes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../server-helpers.js';

let t: TestServer;
let a: { id: string; key: string };
let b: { id: string; key: string };
let did: string;
let echo: string;

// Written like examples/did-driver.js, with an inventory in the script instead of the provider's
// REST API (fetch comes later).
const DID_DRIVER = `// Bridge number provisioning to a DID provider.
const inventory = [
  { e164: '+15550100', price: 1.5 },
  { e164: '+15550101', price: 1.5 },
  { e164: '+14150100', price: 2 },
];
const owned = ['+15550199', '+15550198'];

module.exports = {
  search: async function ({ number }) {
    const body = { numbers: inventory.filter((n) => n.e164.startsWith(number)) };
    return body.numbers.map((n) => ({ did: n.e164, monthly: n.price }));
  },
  allocate: async function ({ did }) {
    if (!inventory.some((n) => n.e164 === did)) throw new Error('allocation failed: 404');
    return { did, provider_ref: 'ord-' + did.slice(1) };
  },
  release: async function ({ did }) {
    return owned.includes(did);
  },
  list: async function () {
    console.log('listing owned numbers');
    return owned.map((n) => ({ did: n }));
  }
};`;

/** Returns whatever the body's `r` is, from every method: for the shapes that must be refused. */
const ECHO_DRIVER = `const r = (arg) => arg.r;
module.exports = { search: r, allocate: r, release: r, list: r, alert: r, provision: r };`;

async function call(scriptId: string, method: string, body?: unknown, key = a.key) {
  return t.call('POST', `/api/v1/drivers/${scriptId}/${method}`, key, body);
}

beforeAll(async () => {
  t = await startTestServer();
  a = await t.account('alpha');
  b = await t.account('beta');
  for (const [name, code] of [['did', DID_DRIVER], ['echo', ECHO_DRIVER]] as const) {
    const r = await t.call('POST', '/api/v1/scripts', a.key, { name, type: 'driver', code });
    expect(r.status, r.text).toBe(201);
    if (name === 'did') did = r.body.id;
    else echo = r.body.id;
  }
});
afterAll(() => t.close());

describe('a DID driver', () => {
  it('search({number}) → [{did}]', async () => {
    const r = await call(did, 'search', { number: '+1555' });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ ok: true, result: [{ did: '+15550100', monthly: 1.5 }, { did: '+15550101', monthly: 1.5 }] });
    expect(r.body.executionId).toMatch(/^exe_/);
    const e = await t.call('GET', `/api/v1/executions/${r.body.executionId}`, a.key);
    expect(e.body).toMatchObject({ scriptId: did, trigger: 'driver', fn: 'search', ok: true });
  });

  it('search may find nothing: [] is a valid answer', async () => {
    const r = await call(did, 'search', { number: '+44' });
    expect(r.status).toBe(200);
    expect(r.body.result).toEqual([]);
  });

  it('allocate({did}) → an object', async () => {
    const r = await call(did, 'allocate', { did: '+15550100' });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ ok: true, result: { did: '+15550100', provider_ref: 'ord-15550100' } });
  });

  it('release({did}) → a boolean', async () => {
    expect((await call(did, 'release', { did: '+15550199' })).body).toMatchObject({ ok: true, result: true });
    const r = await call(did, 'release', { did: '+10000000' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ok: true, result: false });
  });

  it('list() → [{did}], with no body, and its logs', async () => {
    const r = await call(did, 'list');
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ ok: true, result: [{ did: '+15550199' }, { did: '+15550198' }] });
    expect(r.body.logs.map((l: { message: string }) => l.message)).toEqual(['listing owned numbers']);
  });

  it('a driver that throws is a 502 with the envelope and its message', async () => {
    const r = await call(did, 'allocate', { did: '+19999999' });
    expect(r.status).toBe(502);
    expect(r.body).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', message: 'allocation failed: 404' } });
    expect(r.body.executionId).toMatch(/^exe_/);
  });

  it('a method the script does not define is a 404 naming the ones it does', async () => {
    const r = await call(did, 'port', { did: '+15550100' });
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ ok: false, error: { code: 'FUNCTION_NOT_FOUND' } });
    expect(r.body.error.message).toMatch(/search, allocate, release, list/);
  });
});

describe('results of the wrong shape are a 502 naming the method and the field', () => {
  const cases: [method: string, result: unknown, field: string, message: string][] = [
    ['search', [{ did: '+1' }, { did: '+2' }, { did: 5 }], 'result[2].did', 'search() must return an array of {did}: result[2].did is a number'],
    ['search', { numbers: [] }, 'result', 'search() must return an array of {did}: result is an object'],
    ['search', ['+15550100'], 'result[0]', 'search() must return an array of {did}: result[0] is a string'],
    ['allocate', 'ok', 'result', 'allocate() must return an object: result is a string'],
    ['allocate', [{ did: '+1' }], 'result', 'allocate() must return an object: result is an array'],
    ['allocate', undefined, 'result', 'allocate() must return an object: result is null (did the function return nothing?)'],
    ['release', 'yes', 'result', 'release() must return a boolean: result is a string'],
    ['release', 1, 'result', 'release() must return a boolean: result is a number'],
    ['list', [{ number: '+1' }], 'result[0].did', 'list() must return an array of {did}: result[0].did is missing'],
    ['list', [{ did: '' }], 'result[0].did', 'list() must return an array of {did}: result[0].did is an empty string'],
    ['list', [{ did: '+1' }, null], 'result[1]', 'list() must return an array of {did}: result[1] is null'],
  ];
  for (const [method, result, field, message] of cases) {
    it(`${method}() returning ${JSON.stringify(result)}`, async () => {
      const r = await call(echo, method, { r: result });
      expect(r.status, r.text).toBe(502);
      expect(r.body).toMatchObject({ ok: false, error: { code: 'DRIVER_RESULT_INVALID', message, method, field } });
      expect(r.body.result).toBeUndefined();
      expect(r.body.executionId).toMatch(/^exe_/);
    });
  }

  it('alert() and other methods are not checked', async () => {
    for (const method of ['alert', 'provision']) {
      const r = await call(echo, method, { r: 'anything at all' });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ ok: true, result: 'anything at all' });
    }
    expect((await call(echo, 'alert', { r: null })).body).toMatchObject({ ok: true, result: null });
  });
});

describe('requests', () => {
  it('an unknown script is a 404', async () => {
    const r = await call('scr_nope', 'search', { number: '+1' });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('NOT_FOUND');
  });

  it("another account's driver is a 404, and nothing runs", async () => {
    const r = await call(did, 'list', undefined, b.key);
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('NOT_FOUND');
    expect((await t.call('GET', `/api/v1/executions?scriptId=${did}`, b.key)).body).toEqual([]);
  });

  it('needs a key', async () => {
    expect((await t.call('POST', `/api/v1/drivers/${did}/list`, null)).status).toBe(401);
  });

  it('malformed JSON is a 400, another media type a 415, a method that is not a name a 400', async () => {
    const bad = await call(did, 'search', '{"number": ');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INVALID_JSON');
    const text = await t.call('POST', `/api/v1/drivers/${did}/search`, a.key, 'number=1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(text.status).toBe(415);
    expect(text.body.error.message).toMatch(/application\/json/);
    const name = await call(did, 'not-a-name', {});
    expect(name.status).toBe(400);
    expect(name.body.error.field).toBe('params.method');
  });
});

describe('the record of a refused driver result', () => {
  it('is a failed execution with the validation error, not an ok one', async () => {
    const r = await call(echo, 'search', { r: [{ did: 5 }] });
    expect(r.status).toBe(502);
    const rec = await t.call('GET', `/api/v1/executions/${r.body.executionId}`, a.key);
    expect(rec.body).toMatchObject({ ok: false, trigger: 'driver', error: { code: 'DRIVER_RESULT_INVALID' } });
    expect(rec.body.error.message).toMatch(/search\(\)/);
  });
});
