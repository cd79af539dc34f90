/** A real server for end-to-end tests: free port, temporary data directory, real workers. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ModuleConfig } from '../src/modules/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';

export interface TestServer {
  server: RunningServer;
  url: string;
  dataDir: string;
  adminKey: string;
  /** fetch against the server with a key. */
  call(method: string, p: string, key: string | null, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; text: string; headers: Headers }>;
  /** Creates an account; returns its id and key. */
  account(name?: string): Promise<{ id: string; key: string; keyId: string }>;
  close(): Promise<void>;
}

export async function startTestServer(opts: { dataDir?: string; workers?: number; modules?: ModuleConfig } = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sf-server-'));
  const adminKey = 'sf_test_operator_key';
  process.env.LOG_LEVEL ??= 'silent';
  const server = await startServer({ port: 0, host: '127.0.0.1', dataDir, adminKey, workers: opts.workers ?? 1, modules: opts.modules });
  const url = server.url;
  const call: TestServer['call'] = async (method, p, key, body, headers = {}) => {
    const h: Record<string, string> = { ...headers };
    if (key) h.authorization = `Bearer ${key}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    const res = await fetch(url + p, { method, headers: h, body: payload });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  };
  return {
    server, url, dataDir, adminKey, call,
    async account(name = 'acme') {
      const r = await call('POST', '/api/v1/accounts', adminKey, { name });
      if (r.status !== 201) throw new Error(`account: ${r.status} ${r.text}`);
      return { id: r.body.id, key: r.body.apiKey, keyId: r.body.keyId };
    },
    close: () => server.close(),
  };
}
