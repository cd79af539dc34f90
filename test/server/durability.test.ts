// What the server acknowledged survives `kill -9` of the server process and a restart.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = new URL('../../bin/scriptforge.js', import.meta.url).pathname;
const ADMIN = 'sf_durability_operator';
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

async function serve(dataDir: string, adminKey: string | null = ADMIN): Promise<{ child: ChildProcess; url: string; stdout: () => string }> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { ...process.env, PORT: '0', SCRIPTFORGE_DATA_DIR: dataDir, SCRIPTFORGE_ADMIN_KEY: adminKey ?? '', SCRIPTFORGE_WORKERS: '1', LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
  return { child, url, stdout: () => out };
}

async function call(url: string, method: string, p: string, key: string, body?: unknown) {
  const res = await fetch(url + p, {
    method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe('kill -9', () => {
  it('keeps every acknowledged account, key, version, deployment and execution', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-durable-'));
    const first = await serve(dataDir);
    const acct = await call(first.url, 'POST', '/api/v1/accounts', ADMIN, { name: 'durable' });
    const key = acct.body.apiKey as string;
    const s = await call(first.url, 'POST', '/api/v1/scripts', key, { name: 'keep', type: 'script', code: 'function main() { return "v1" }' });
    const v2 = await call(first.url, 'PUT', `/api/v1/scripts/${s.body.id}`, key, { code: 'function main() { return "v2" }' });
    expect(v2.status).toBe(200);
    const run = await call(first.url, 'POST', `/api/v1/scripts/${s.body.id}/run`, key, {});
    expect(run.body.result).toBe('v2');

    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    const second = await serve(dataDir);
    const versions = await call(second.url, 'GET', `/api/v1/scripts/${s.body.id}/versions`, key);
    expect(versions.body.map((v: { version: number; deployed: boolean }) => [v.version, v.deployed])).toEqual([[1, false], [2, true]]);
    expect((await call(second.url, 'POST', `/api/v1/scripts/${s.body.id}/run`, key, {})).body.result).toBe('v2');
    expect((await call(second.url, 'GET', `/api/v1/executions/${run.body.executionId}`, key)).body.result).toBe('v2');
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
  });
});

describe('the operator key', () => {
  it('is made on first start, printed once, stored only as a hash', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-operator-'));
    const first = await serve(dataDir, null);
    const key = /Operator key[^\n]*\n\n\s+(sf_\S+)/.exec(first.stdout())![1];
    expect((await call(first.url, 'POST', '/api/v1/accounts', key, { name: 'made-by-generated-key' })).status).toBe(201);
    first.child.kill('SIGTERM');
    await new Promise((r) => first.child.once('exit', r));
    const db = fs.readFileSync(path.join(dataDir, 'scriptforge.db'));
    expect(db.includes(Buffer.from(key))).toBe(false);

    const second = await serve(dataDir, null);
    expect(second.stdout()).not.toContain('Operator key');
    expect((await call(second.url, 'GET', '/api/v1/accounts', key)).status).toBe(200);
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
  });
});
