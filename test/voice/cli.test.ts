// `scriptforge call`, as a user types it: the built command, real files, exit codes.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { audioDir } from './helpers.js';

const BIN = new URL('../../bin/scriptforge.js', import.meta.url).pathname;
const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let dir: string;
beforeAll(() => {
  if (!fs.existsSync(new URL('../../dist/cli/call.js', import.meta.url))) throw new Error('run npm run build first (npm test does)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-call-'));
});

describe('scriptforge call --json', () => {
  it('prints one object {ok, timeline, logs} for a call that went well, and exits 0', async () => {
    const r = await cli('call', path.join(EXAMPLES, 'c5-menu.js'), '--audio', audioDir(), '--dtmf', '2@1500', '--bridge', '2002=answer:5000', '--json');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const out = JSON.parse(r.stdout) as { ok: boolean; timeline: Record<string, unknown>[]; logs: { message: string }[] };
    expect(Object.keys(out)).toEqual(['ok', 'timeline', 'logs']);
    expect(out.ok).toBe(true);
    expect(out.timeline[0]).toMatchObject({ op: 'answer', result: null });
    expect(out.timeline).toContainEqual(expect.objectContaining({ op: 'ivr', file: 'ivr/menu.wav', result: { status: 'success', value: '2' } }));
    expect(out.timeline).toContainEqual(expect.objectContaining({ event: 'dtmf', digit: '2' }));
    expect(out.timeline).toContainEqual(expect.objectContaining({ op: 'bridge', destination: '2002', result: { status: 'completed', sipCode: 200, durationMs: 5000 } }));
    for (const e of out.timeline) expect(typeof e.t).toBe('number');
    expect(out.logs.map((l) => l.message)).toEqual(['menu success 2']);
  });

  it('adds the error when the call failed, and exits 1', async () => {
    const empty = fs.mkdtempSync(path.join(dir, 'audio-'));
    const r = await cli('call', path.join(EXAMPLES, 'c5-menu.js'), '--audio', empty, '--json');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['ok', 'timeline', 'logs', 'error']);
    expect(out).toMatchObject({ ok: false, error: { name: 'AudioNotFoundError', message: expect.stringContaining("Audio file 'ivr/menu.wav' not found"), line: 4 } });
  });

  it('the caller hangs up with --hangup-after; --data is the data argument', async () => {
    const f = path.join(dir, 'hold.js');
    fs.writeFileSync(f, 'async function main(data, ctx) { await ctx.answer(); await ctx.tts(data.text); await ctx.waitForHangup() }\n');
    const r = await cli('call', f, '--data', '{"text":"Please hold."}', '--hangup-after', '30000', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { timeline: Record<string, unknown>[] };
    expect(out.timeline).toContainEqual(expect.objectContaining({ op: 'tts', text: 'Please hold.' }));
    expect(out.timeline.at(-1)).toMatchObject({ event: 'hangup', by: 'caller' });
  });
});

describe('scriptforge call', () => {
  it('prints the timeline for people', async () => {
    const r = await cli('call', path.join(EXAMPLES, 'c5-menu.js'), '--audio', audioDir(), '--dtmf', '1@1500');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ +\d+\.\d{3}s {2}answer$/m);
    expect(r.stdout).toMatch(/^ +\d+\.\d{3}s {2}tts text="Connecting you now\." → \{"ms":1500\} \(15\d\d ms\)$/m);
    expect(r.stdout).toMatch(/ivr file="ivr\/menu\.wav" .* → \{"status":"success","value":"1"\}/);
    expect(r.stdout).toMatch(/· dtmf digit="1"/);
    expect(r.stdout).toMatch(/· hangup by="bridge"/);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('ok (c5-menu.js)');
  });

  it('exits 2 for bad usage', async () => {
    expect((await cli('call')).code).toBe(2);
    const bad = await cli('call', path.join(EXAMPLES, 'c5-menu.js'), '--dtmf', 'one@1s');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("'one@1s' is not DIGITS@MS");
    expect((await cli('call', path.join(EXAMPLES, 'c5-menu.js'), '--bridge', '2001')).code).toBe(2);
    const help = await cli('--help');
    expect(help.stdout).toContain('call FILE');
  });
});
