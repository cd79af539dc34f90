/** A recording of the call, as a WAV as long as the call was recorded; a forgotten await ends the call cleanly. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWavInfo } from '../../src/voice/index.js';
import { RECV_BYE, invite, missingTools, scenario, sipp, startSipServer, type SipTestServer } from './helpers.js';

const missing = missingTools();

describe.skipIf(missing.length > 0)('SIP: record, forgotten await', () => {
  let t: SipTestServer;
  beforeAll(async () => {
    t = await startSipServer();
  });
  afterAll(() => t?.close());

  it('record() writes a WAV as long as the call from there on', async () => {
    const id = await t.voiceScript('4424', `async function main(data, ctx) {
      await ctx.answer();
      await ctx.record('rec1');
      await ctx.play('ivr/welcome.wav');
      await ctx.sleep(700);
    }`);
    const r = await sipp(scenario('record', invite() + RECV_BYE), { sipPort: t.sipPort, number: '4424' });
    expect(r.code, r.errors + r.stderr).toBe(0);
    const e = await t.execution(id);
    expect(e.ok).toBe(true);
    const tl = e.result.timeline as { op?: string; event?: string; t: number }[];
    const from = tl.find((x) => x.op === 'record')!.t;
    const to = tl.find((x) => x.event === 'hangup')!.t;
    const dir = path.join(t.dataDir, 'recordings');
    const [account] = fs.readdirSync(dir);
    const fd = fs.openSync(path.join(dir, account, 'rec1.wav'), 'r');
    const ms = readWavInfo(fd, 'recording').durationMs;
    fs.closeSync(fd);
    expect(Math.abs(ms - (to - from))).toBeLessThan(150);
  });

  it('a forgotten await: a clear error, and the caller gets a BYE', async () => {
    const id = await t.voiceScript('4425', `async function main(data, ctx) {
      await ctx.answer();
      ctx.play('ivr/menu.wav');
      await ctx.tts('Too soon.');
    }`);
    const r = await sipp(scenario('forgot', invite() + RECV_BYE), { sipPort: t.sipPort, number: '4425' });
    expect(r.code, r.errors + r.stderr).toBe(0);
    const e = await t.execution(id);
    expect(e.ok).toBe(false);
    expect(e.error.message).toMatch(/ctx\.tts.*ctx\.play|ctx\.play.*ctx\.tts/);
    expect(e.error.message).toMatch(/await/);
  });

  it('the server stopping hangs up a call in progress', async () => {
    const id = await t.voiceScript('4426', `async function main(data, ctx) {
      await ctx.answer();
      for (;;) await ctx.play('ivr/menu.wav');
    }`);
    const run = sipp(scenario('shutdown', invite() + RECV_BYE), { sipPort: t.sipPort, number: '4426' });
    await new Promise((r) => setTimeout(r, 800));
    expect(t.server.sip!.ua.calls.size).toBe(1);
    await t.server.sip!.close();
    expect((await run).code).toBe(0);
    const e = await t.execution(id);
    expect(e.result.timeline.some((x: { event?: string; reason?: string }) => x.event === 'hangup')).toBe(true);
  });
});
