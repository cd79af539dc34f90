// `scriptforge run`, as a user types it: the built command, real files, exit codes.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURL('../../bin/scriptforge.js');
const EXAMPLES = fileURL('../../examples/');
function fileURL(rel: string): string {
  return new URL(rel, import.meta.url).pathname;
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}
async function cli(...args: string[]): Promise<Ran> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let dir: string;
function file(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

beforeAll(() => {
  if (!fs.existsSync(fileURL('../../dist/cli/index.js'))) throw new Error('run npm run build first (npm test does)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-cli-'));
});

describe('scriptforge run --json', () => {
  it('prints exactly one JSON object for a success, and exits 0', async () => {
    const r = await cli('run', path.join(EXAMPLES, 'c4-strip-prefix.js'), '--data', `@${path.join(EXAMPLES, 'routing-sample.json')}`, '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['ok', 'result', 'logs', 'cpuMs', 'wallMs']);
    expect(out.ok).toBe(true);
    expect(out.result.routing.egress_routing[1].gw['412'].cli).toBe('441632960001');
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('prints the error with its SIP code and position, and exits 1', async () => {
    const f = file('dnc.js', "function main(data) {\n  console.warn('blocked', data.n);\n  throw new Error('604 Number on DNC List');\n}\n");
    const r = await cli('run', f, '--data', '{"n":"4477"}', '--json');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      ok: false,
      error: { name: 'Error', message: '604 Number on DNC List', sipCode: 604, reason: 'Number on DNC List', line: 3, column: 9 },
      logs: [{ level: 'warn', message: 'blocked 4477' }],
    });
    expect(typeof out.logs[0].ts).toBe('number');
  });

  it('applies --timeout and --memory', async () => {
    const loop = file('loop.js', 'function main() { for (;;) {} }');
    const r = await cli('run', loop, '--timeout', '150', '--json');
    expect(JSON.parse(r.stdout).error).toMatchObject({ name: 'TimeoutError', message: expect.stringMatching(/^CPU time limit of 150 ms exceeded/) });
    const bomb = file('bomb.js', 'function main() { const a = []; for (;;) a.push("x" + a.length) }');
    const m = await cli('run', bomb, '--memory', '16', '--json');
    expect(JSON.parse(m.stdout).error).toMatchObject({ name: 'MemoryLimitError' });
  });

  it('keeps warm state only with --isolation reuse... within one run, a fresh process is fresh', async () => {
    const f = file('count.js', 'let n = 0; function main() { return ++n }');
    const r = await cli('run', f, '--isolation', 'reuse', '--json');
    expect(JSON.parse(r.stdout).result).toBe(1);
  });
});

describe('type guessing and --fn', () => {
  it('guesses driver for a file that exports functions but no main, and calls --fn', async () => {
    const f = file('driver.js', 'module.exports = { search: async ({ number }) => [{ did: number }], list: async () => [] }');
    const none = await cli('run', f, '--json');
    expect(JSON.parse(none.stdout).error.message).toBe("Function 'main' is not defined. Callable functions: search, list");
    const r = await cli('run', f, '--fn', 'search', '--data', '{"number":"4420"}', '--json');
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, result: [{ did: '4420' }] });
  });

  it('guesses app for a file that awaits', async () => {
    const f = file('wait.js', 'async function main() { await new Promise((r) => setTimeout(r, 5)); return "waited" }');
    expect(JSON.parse((await cli('run', f, '--json')).stdout)).toMatchObject({ ok: true, result: 'waited' });
    const asScript = await cli('run', f, '--type', 'script', '--json');
    expect(JSON.parse(asScript.stdout).error.message).toMatch(/await at line 1: type 'script' runs synchronously/);
  });
});

describe('readable output', () => {
  it('shows logs, the error and the failing line with a caret', async () => {
    const f = file('bad.js', 'function main(d) {\n  console.log("checking", d.n);\n  return d.n.toFixed(2).foo.bar;\n}\n');
    const r = await cli('run', f, '--data', '{"n":3}');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/log +checking 3/);
    expect(r.stdout).toContain("TypeError: Cannot read properties of undefined (reading 'bar')");
    expect(r.stdout).toMatch(/at \S*bad\.js:3:28/);
    expect(r.stdout).toContain('3 |   return d.n.toFixed(2).foo.bar;');
    expect(r.stdout).toMatch(/\n {36}\^\n/); // under column 28 of the source line
  });

  it('prints the result and ok', async () => {
    const r = await cli('run', path.join(EXAMPLES, 'c4-add-headers.js'), '--data', `@${path.join(EXAMPLES, 'routing-sample.json')}`);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"key": "X-Customer-ID"');
    expect(r.stdout).toMatch(/ok \(script main\(\), cpu [\d.]+ ms, wall [\d.]+ ms\)/);
  });
});

describe('bad usage exits 2 with a message naming the problem', () => {
  it.each([
    [['run'], /run needs exactly one FILE/],
    [['run', '/nonexistent/x.js'], /cannot read \/nonexistent\/x\.js: ENOENT/],
    [['run', 'FILE', '--data', '{bad'], /--data is not valid JSON/],
    [['run', 'FILE', '--data', '@/nonexistent.json'], /cannot read data file \/nonexistent\.json/],
    [['run', 'FILE', '--type', 'lambda'], /--type must be one of script, app, driver/],
    [['run', 'FILE', '--timeout', 'soon'], /--timeout must be a positive number/],
    [['run', 'FILE', '--memory', '99999'], /memoryMb = 99999 is above the operator's maximum/],
    [['run', 'FILE', '--frobnicate'], /Unknown option '--frobnicate'/],
    [['launch'], /unknown command 'launch'/],
  ])('%j', async (args, message) => {
    const ok = file('ok.js', 'function main() { return 1 }');
    const r = await cli(...args.map((a) => (a === 'FILE' ? ok : a)));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});
