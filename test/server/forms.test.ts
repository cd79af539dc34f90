// Forms end to end (PRODUCT.md §6.3): URL-encoded, multipart and JSON bodies become main(data); a
// {redirect} result is a 303. A real server, real workers, real HTTP.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../server-helpers.js';

let t: TestServer;
let a: { id: string; key: string };
let b: { id: string; key: string };
/** Echoes data; `fail` makes it throw, `to` makes it redirect there. */
let echo: string;
/** examples/form-contact.js with its cxUserspace replaced by an in-script stand-in. */
let contact: string;

const ECHO = `async function main(data) {
  if (data.fail) throw new Error(String(data.fail));
  if ('to' in data) return { redirect: data.to };
  return data;
}`;
const CONTACT_CODE = fs.readFileSync(new URL('../../examples/form-contact.js', import.meta.url), 'utf8');
const CONTACT_STUBBED = CONTACT_CODE.replace(
  "const userspace = require('cxUserspace');",
  'const userspace = { create: async (table, key, value) => console.log("create", table, value.email) };',
);

async function create(key: string, name: string, code: string): Promise<string> {
  const r = await t.call('POST', '/api/v1/scripts', key, { name, type: 'app', code });
  expect(r.status, r.text).toBe(201);
  return r.body.id as string;
}

/** A form POST that does not follow redirects. */
async function submit(scriptId: string, body: BodyInit | undefined, headers: Record<string, string> = {}, key = a.key) {
  const res = await fetch(`${t.url}/api/v1/forms/${scriptId}`, { method: 'POST', body, headers: { authorization: `Bearer ${key}`, ...headers }, redirect: 'manual' });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, body: json, text, headers: res.headers };
}
const urlencoded = { 'content-type': 'application/x-www-form-urlencoded' };
const json = { 'content-type': 'application/json' };

beforeAll(async () => {
  t = await startTestServer();
  a = await t.account('alpha');
  b = await t.account('beta');
  expect(CONTACT_STUBBED).not.toBe(CONTACT_CODE);
  echo = await create(a.key, 'form-echo', ECHO);
  contact = await create(a.key, 'form-contact', CONTACT_STUBBED);
});
afterAll(() => t.close());

describe('bodies become data', () => {
  it('URL-encoded: repeated keys become arrays, + and %xx are decoded; the answer is the envelope', async () => {
    const r = await submit(echo, 'name=Ann+Lee&topic=billing&topic=sales&topic=support&empty=&caf%C3%A9=%E2%9C%93', urlencoded);
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ ok: true, result: { name: 'Ann Lee', topic: ['billing', 'sales', 'support'], empty: '', 'café': '✓' }, logs: [] });
    expect(r.body.executionId).toMatch(/^exe_/);
    expect(typeof r.body.cpuMs).toBe('number');
    expect(typeof r.body.wallMs).toBe('number');
    const e = await t.call('GET', `/api/v1/executions/${r.body.executionId}`, a.key);
    expect(e.body).toMatchObject({ scriptId: echo, trigger: 'form', fn: 'main', ok: true });
  });

  it('multipart: fields, repeated fields, and files described (not inlined)', async () => {
    const fd = new FormData();
    fd.append('name', 'Ann');
    fd.append('topic', 'billing');
    fd.append('topic', 'sales');
    fd.append('cv', new Blob([new Uint8Array(3000).fill(7)], { type: 'application/pdf' }), 'cv.pdf');
    fd.append('photos', new Blob(['a'.repeat(10)], { type: 'image/png' }), 'one.png');
    fd.append('photos', new Blob(['b'.repeat(20)], { type: 'image/jpeg' }), 'two.jpg');
    const r = await submit(echo, fd);
    expect(r.status, r.text).toBe(200);
    expect(r.body.result).toEqual({
      name: 'Ann',
      topic: ['billing', 'sales'],
      cv: { filename: 'cv.pdf', contentType: 'application/pdf', size: 3000 },
      photos: [
        { filename: 'one.png', contentType: 'image/png', size: 10 },
        { filename: 'two.jpg', contentType: 'image/jpeg', size: 20 },
      ],
    });
    expect(r.text).not.toContain('aaaaaaaaaa');
  });

  it('multipart: a file input left empty is null', async () => {
    // What a browser sends for <input type="file"> with no file chosen.
    const body = ['--XyZ', 'Content-Disposition: form-data; name="name"', '', 'Ann', '--XyZ', 'Content-Disposition: form-data; name="cv"; filename=""', 'Content-Type: application/octet-stream', '', '', '--XyZ--', ''].join('\r\n');
    const r = await submit(echo, body, { 'content-type': 'multipart/form-data; boundary=XyZ' });
    expect(r.status, r.text).toBe(200);
    expect(r.body.result).toEqual({ name: 'Ann', cv: null });
  });

  it('JSON: the object as sent', async () => {
    const data = { name: 'Ann', topics: ['billing'], consent: true, address: { city: 'Oslo' }, n: 12345678901234567890 };
    const r = await submit(echo, JSON.stringify(data), json);
    expect(r.status, r.text).toBe(200);
    expect(r.body.result).toEqual(data);
  });

  it('no body at all is {}', async () => {
    const r = await submit(echo, undefined);
    expect(r.status, r.text).toBe(200);
    expect(r.body.result).toEqual({});
  });

  it('keys like __proto__ and constructor are plain fields', async () => {
    const r = await submit(echo, '__proto__=x&constructor=y&toString=z', urlencoded);
    expect(r.status, r.text).toBe(200);
    expect(r.body.result).toEqual({ ['__proto__']: 'x', constructor: 'y', toString: 'z' });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('bodies that are not forms', () => {
  it('a JSON body that is not an object is a 400', async () => {
    for (const body of ['[1,2]', '"text"', 'null']) {
      const r = await submit(echo, body, json);
      expect(r.status, body).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'INVALID_FORM' });
      expect(r.body.error.message).toMatch(/must be an object of fields/);
    }
  });

  it('malformed JSON is a 400 saying so', async () => {
    const r = await submit(echo, '{"name": ', json);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('INVALID_FORM');
    expect(r.body.error.message).toMatch(/not valid JSON/);
  });

  it('a multipart body cut short is a 400, and the script does not run on part of the form', async () => {
    const before = (await t.call('GET', `/api/v1/executions?scriptId=${echo}&limit=1000`, a.key)).body.length;
    const r = await submit(echo, '--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--XyZ\r\nContent-Disposition: form-data; name="b"\r\n\r\nvalue without an end', { 'content-type': 'multipart/form-data; boundary=XyZ' });
    expect(r.status, r.text).toBe(400);
    expect(r.body.error.code).toBe('INVALID_FORM');
    expect(r.body.error.message).toMatch(/ends before its closing boundary/);
    expect((await t.call('GET', `/api/v1/executions?scriptId=${echo}&limit=1000`, a.key)).body.length).toBe(before);
  });

  it('a multipart body that is not multipart at all is a 400', async () => {
    const r = await submit(echo, 'just some text', { 'content-type': 'multipart/form-data; boundary=XyZ' });
    expect(r.status, r.text).toBe(400);
    expect(r.body.error.code).toBe('INVALID_FORM');
  });

  it('a file over the limit is a 413 naming the file', async () => {
    const fd = new FormData();
    fd.append('name', 'Ann');
    fd.append('video', new Blob([new Uint8Array(11 * 1024 * 1024)], { type: 'video/mp4' }), 'big.mp4');
    const r = await submit(echo, fd);
    expect(r.status, r.text).toBe(413);
    expect(r.body.error.code).toBe('BODY_TOO_LARGE');
    expect(r.body.error.message).toMatch(/'big\.mp4' in field 'video' is larger than the limit of 10 MiB/);
  });

  it('too many files is a 413', async () => {
    const fd = new FormData();
    for (let i = 0; i < 11; i++) fd.append('f', new Blob(['x']), `f${i}.txt`);
    const r = await submit(echo, fd);
    expect(r.status, r.text).toBe(413);
    expect(r.body.error.message).toMatch(/more than 10 files/);
  });

  it('a URL-encoded body over the body limit is a 413', async () => {
    const r = await submit(echo, `big=${'x'.repeat(1024 * 1024 + 10)}`, urlencoded);
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('BODY_TOO_LARGE');
  });

  it('another media type is a 415 listing the ones accepted', async () => {
    const r = await submit(echo, 'name=Ann', { 'content-type': 'text/plain' });
    expect(r.status).toBe(415);
    expect(r.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(r.body.error.message).toMatch(/multipart\/form-data/);
  });

  it("the forms' parsers stay on the forms route: the run API still refuses URL-encoded bodies", async () => {
    const r = await t.call('POST', `/api/v1/scripts/${echo}/run`, a.key, 'name=Ann', urlencoded);
    expect(r.status).toBe(415);
  });
});

describe('results', () => {
  it('a {redirect} path is a 303 with Location (the form-contact example, its store stubbed)', async () => {
    const r = await submit(contact, 'name=Ann&email=ann%40example.com&topic=billing', urlencoded);
    expect(r.status, r.text).toBe(303);
    expect(r.headers.get('location')).toBe('/portal/thanks');
    expect(r.body).toMatchObject({ ok: true, result: { redirect: '/portal/thanks' } });
    expect(r.body.logs[0].message).toBe('create contact-requests ann@example.com');
  });

  it('a result that is not a redirect is answered as JSON (form-contact refusing a bad email)', async () => {
    const r = await submit(contact, 'name=&email=nope', urlencoded);
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ ok: true, result: { ok: false, errors: { name: 'required', email: 'invalid email' } } });
  });

  it('redirects to http(s) URLs, with non-ASCII encoded', async () => {
    const r = await submit(echo, JSON.stringify({ to: 'https://portal.example.com/thanks?from=form' }), json);
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('https://portal.example.com/thanks?from=form');
    const p = await submit(echo, JSON.stringify({ to: '/danke/schön' }), json);
    expect(p.status).toBe(303);
    expect(p.headers.get('location')).toBe('/danke/sch%C3%B6n');
  });

  it('a redirect that is not an http(s) URL or a path is a 422 naming it', async () => {
    const cases: [unknown, RegExp][] = [
      ['javascript:alert(1)', /'javascript:alert\(1\)' is a javascript: URL/],
      ['//evil.example.com/x', /would leave the site/],
      ['ftp://files.example.com/', /is a ftp: URL/],
      ['thanks.html', /neither a URL nor a path/],
      ['/ok\r\nSet-Cookie: x=1', /control characters/],
      [42, /it is a number/],
      [null, /it is null/],
    ];
    for (const [to, why] of cases) {
      const r = await submit(echo, JSON.stringify({ to }), json);
      expect(r.status, String(to)).toBe(422);
      expect(r.headers.get('location')).toBeNull();
      expect(r.body).toMatchObject({ ok: false, error: { code: 'FORM_REDIRECT_INVALID' } });
      expect(r.body.error.message).toMatch(/redirect must be an http\(s\) URL or a path starting with '\/'/);
      expect(r.body.error.message).toMatch(why);
      expect(r.body.executionId).toMatch(/^exe_/);
    }
  });

  it('a script that throws is a 422 with the envelope and its message', async () => {
    const r = await submit(echo, 'fail=email+is+required', urlencoded);
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', message: 'email is required' } });
    expect(r.body.executionId).toMatch(/^exe_/);
  });
});

describe('which script', () => {
  it('an unknown script is a 404', async () => {
    const r = await submit('scr_nope', 'a=1', urlencoded);
    expect(r.status).toBe(404);
    expect(r.body.error).toMatchObject({ code: 'NOT_FOUND' });
  });

  it("another account's script is a 404, and nothing runs", async () => {
    const r = await submit(echo, 'a=1', urlencoded, b.key);
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('NOT_FOUND');
    const list = await t.call('GET', `/api/v1/executions?scriptId=${echo}`, b.key);
    expect(list.body).toEqual([]);
  });

  it('needs a key', async () => {
    const res = await fetch(`${t.url}/api/v1/forms/${echo}`, { method: 'POST', body: 'a=1', headers: urlencoded });
    expect(res.status).toBe(401);
  });

  it('runs examples/form-contact.js unchanged: the request is stored in cxUserspace, the user redirected', async () => {
    const saved = await t.call('POST', '/api/v1/scripts', a.key, { name: 'form-contact-unchanged', type: 'app', code: CONTACT_CODE });
    expect(saved.status, saved.text).toBe(201);
    const r = await submit(saved.body.id, 'name=Ann&email=ann%40example.com', urlencoded);
    expect(r.status, r.text).toBe(303);
    expect(r.headers.get('location')).toBe('/portal/thanks');
  });
});
