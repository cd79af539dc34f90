// The server hands out the built IDE at `/` (src/server/routes/web.ts): the page with a policy that
// keeps it to this server, hashed assets cached for good and gzipped, nothing outside the build, and
// no trace in the API's OpenAPI document.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import webRoutes from '../../src/server/routes/web.js';
import { startTestServer, type TestServer } from '../server-helpers.js';

/** A build as scripts/build-web.mjs lays it out, with a file beside it that must not be served. */
function fakeBuild(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-web-'));
  const dir = path.join(root, 'web');
  fs.mkdirSync(path.join(dir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><div id="app"></div><script type="module" src="/assets/app-ABC123.js"></script>');
  const js = 'console.log("ScriptForge");'.repeat(100);
  fs.writeFileSync(path.join(dir, 'assets/app-ABC123.js'), js);
  fs.writeFileSync(path.join(dir, 'assets/app-ABC123.js.gz'), zlib.gzipSync(js));
  fs.writeFileSync(path.join(root, 'secret.txt'), 'not for the web');
  return dir;
}

describe('the IDE’s files (a build in a temporary folder)', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify();
    await app.register(webRoutes, { dir: fakeBuild() });
  });
  afterAll(() => app.close());

  it('serves the page at / with a policy that allows only this server', async () => {
    const r = await app.inject({ method: 'GET', url: '/' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    expect(r.headers['cache-control']).toBe('no-cache');
    expect(r.headers['content-security-policy']).toMatch(/default-src 'self'.*script-src 'self'.*connect-src 'self'/);
    expect(r.body).toContain('<div id="app">');
  });

  it('serves hashed assets cached for good, gzipped when the browser takes it', async () => {
    const gz = await app.inject({ method: 'GET', url: '/assets/app-ABC123.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(gz.statusCode).toBe(200);
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers['cache-control']).toMatch(/max-age=31536000, immutable/);
    expect(gz.headers['content-type']).toMatch(/^text\/javascript/);
    expect(zlib.gunzipSync(gz.rawPayload).toString()).toContain('ScriptForge');
    const plain = await app.inject({ method: 'GET', url: '/assets/app-ABC123.js' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toContain('ScriptForge');
  });

  it('serves nothing but the build’s own files', async () => {
    for (const url of ['/assets/nope.js', '/assets/app-ABC123.js.gz', '/assets/..%2F..%2Fsecret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/secret.txt', '/assets/']) {
      expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(404);
    }
  });

  it('answers / with 503 and how to build, when there is no build', async () => {
    const bare = Fastify();
    await bare.register(webRoutes, { dir: fs.mkdtempSync(path.join(os.tmpdir(), 'sf-web-')) });
    const r = await bare.inject({ method: 'GET', url: '/' });
    expect(r.statusCode).toBe(503);
    expect(r.body).toContain('npm run build');
    await bare.close();
  });
});

describe('the IDE in the server', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('is at / and leaves the API and its OpenAPI document as they were', async () => {
    const page = await t.call('GET', '/', null);
    expect([200, 503]).toContain(page.status); // 503 until npm run build has made dist/web
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const doc = (await t.call('GET', '/docs/json', null)).body as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => !p.startsWith('/api/') && !['/healthz', '/metrics'].includes(p))).toEqual([]);
    for (const p of ['/api/v1/nope', '/assets/nope.js']) expect((await t.call('GET', p, null)).body.error.code, p).toBe('NOT_FOUND');
  });
});
