/**
 * A server for bench/routing.mjs, in a process of its own: `bare` is a bare Fastify route that
 * echoes the routing body (the anchor); `scriptforge` is the real server (embedded SQLite, default
 * workers) with an account and the typical routing script saved; `engine` is the floor of the
 * design, a bare Fastify route that makes one supervised engine call per request with the body as
 * is (no account, no checks, no diff, no record). Prints one JSON line: {url, ...}.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { Engine } from '../dist/engine/index.js';
import { startServer } from '../dist/server/index.js';
import { prepareScript } from './engine.mjs';
import { ROUTING_SCRIPT } from './workload.mjs';

const mode = process.argv[2];
if (mode === 'bare') {
  const app = Fastify({ logger: false });
  app.post('/echo', async (req) => req.body);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`${JSON.stringify({ url: `${url}/echo` })}\n`);
} else if (mode === 'engine') {
  const engine = new Engine();
  await engine.start();
  const script = prepareScript(ROUTING_SCRIPT, 'bench-tenant');
  const app = Fastify({ logger: false });
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.post('/engine', async (req, reply) => {
    const r = await engine.execute({ script, type: 'script', input: req.body, returnInputIfUndefined: true });
    return reply.type('application/json').send(r.ok ? r.resultJson : JSON.stringify(r.error.toJSON()));
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`${JSON.stringify({ url: `${url}/engine` })}\n`);
  process.on('SIGTERM', () => engine.close().finally(() => process.exit(0)));
} else {
  process.env.LOG_LEVEL = 'warn';
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-bench-routing-'));
  const adminKey = 'sf_bench_operator';
  const server = await startServer({ port: 0, host: '127.0.0.1', dataDir, adminKey, workers: process.env.SCRIPTFORGE_WORKERS ? Number(process.env.SCRIPTFORGE_WORKERS) : undefined });
  const call = async (p, key, body) => {
    const res = await fetch(server.url + p, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return res.json();
  };
  const account = await call('/api/v1/accounts', adminKey, { name: 'bench' });
  const script = await call('/api/v1/scripts', account.apiKey, { name: 'routing', type: 'script', code: ROUTING_SCRIPT, isolation: process.env.SF_ISOLATION ?? 'fresh' });
  process.stdout.write(`${JSON.stringify({ url: `${server.url}/api/v1/routing/${script.id}`, key: account.apiKey })}\n`);
  process.on('SIGTERM', () => server.close().then(() => fs.rmSync(dataDir, { recursive: true, force: true })).finally(() => process.exit(0)));
}
