/**
 * A server for bench/routing.mjs, in a process of its own: `bare` is a bare Fastify route that
 * echoes the routing body (the anchor); `scriptforge` is the real server (embedded SQLite, default
 * workers) with an account and the typical routing script saved. Prints one JSON line: {url, ...}.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { startServer } from '../dist/server/index.js';
import { ROUTING_SCRIPT } from './workload.mjs';

const mode = process.argv[2];
if (mode === 'bare') {
  const app = Fastify({ logger: false });
  app.post('/echo', async (req) => req.body);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`${JSON.stringify({ url: `${url}/echo` })}\n`);
} else {
  process.env.LOG_LEVEL = 'warn';
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-bench-routing-'));
  const adminKey = 'sf_bench_operator';
  const server = await startServer({ port: 0, host: '127.0.0.1', dataDir, adminKey });
  const call = async (p, key, body) => {
    const res = await fetch(server.url + p, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return res.json();
  };
  const account = await call('/api/v1/accounts', adminKey, { name: 'bench' });
  const script = await call('/api/v1/scripts', account.apiKey, { name: 'routing', type: 'script', code: ROUTING_SCRIPT, isolation: process.env.SF_ISOLATION ?? 'fresh' });
  process.stdout.write(`${JSON.stringify({ url: `${server.url}/api/v1/routing/${script.id}`, key: account.apiKey })}\n`);
  process.on('SIGTERM', () => server.close().then(() => fs.rmSync(dataDir, { recursive: true, force: true })).finally(() => process.exit(0)));
}
