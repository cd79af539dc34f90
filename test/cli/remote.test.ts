// `scriptforge push` and `pull` against a real server: scripts kept in git, deployed from a file.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../server-helpers.js';

const BIN = new URL('../../bin/scriptforge.js', import.meta.url).pathname;
let t: TestServer;
let key: string;
let dir: string;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, SCRIPTFORGE_SERVER: t.url, SCRIPTFORGE_KEY: key } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  t = await startTestServer();
  key = (await t.account('git-user')).key;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-remote-'));
});
afterAll(() => t.close());

describe('push and pull', () => {
  it('creates a script from a file, then pushes new versions of it by name', async () => {
    fs.writeFileSync(path.join(dir, 'router.js'), 'function main() { return "one" }\n');
    const first = await cli('push', 'router.js');
    expect(first.code).toBe(0);
    const created = JSON.parse(first.stdout);
    expect(created).toMatchObject({ name: 'router', version: 1 });
    fs.writeFileSync(path.join(dir, 'router.js'), 'function main() { return "two" }\n');
    const second = JSON.parse((await cli('push', 'router.js')).stdout);
    expect(second).toEqual({ id: created.id, name: 'router', version: 2 });
    const run = await t.call('POST', `/api/v1/scripts/${created.id}/run`, key, {});
    expect(run.body.result).toBe('two');

    const pulled = await cli('pull', created.id, '--out', 'pulled.js');
    expect(pulled.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'pulled.js'), 'utf8')).toBe('function main() { return "two" }\n');
    const v1 = await cli('pull', created.id, '--version', '1', '--out', '-');
    expect(v1.stdout).toBe('function main() { return "one" }\n');
  });

  it('guesses the type of a new script, and reports the server\'s refusal with the line', async () => {
    fs.writeFileSync(path.join(dir, 'did.js'), 'module.exports = { search: async ({ number }) => [{ did: number }] }\n');
    const r = JSON.parse((await cli('push', 'did.js')).stdout);
    expect((await t.call('GET', `/api/v1/scripts/${r.id}`, key)).body.type).toBe('driver');
    fs.writeFileSync(path.join(dir, 'broken.js'), 'function main() {\n  return 1 +;\n}\n');
    const bad = await cli('push', 'broken.js');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/400 Unexpected token.*\(line 2, column 13\)/);
  });

  it('says what is missing or wrong', async () => {
    expect((await cli('pull', 'scr_nope', '--out', '-')).stderr).toMatch(/404 No script with id 'scr_nope'/);
    const noKey = await promisify(execFile)(process.execPath, [BIN, 'push', 'x.js'], { cwd: dir, env: { ...process.env, SCRIPTFORGE_SERVER: '', SCRIPTFORGE_KEY: '' } }).catch((e) => e);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/cannot read x\.js|no server/);
    const down = await cli('pull', 'scr_x', '--server', 'http://127.0.0.1:1');
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:1/);
  });
});
