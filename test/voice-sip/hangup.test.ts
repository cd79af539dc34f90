/** The caller hangs up during a prompt: the script sees CallEnded, the call is recorded, nothing crashes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEND_BYE, invite, missingTools, pause, scenario, sipp, startSipServer, type SipTestServer } from './helpers.js';

const missing = missingTools();

describe.skipIf(missing.length > 0)('SIP: the caller hangs up', () => {
  let t: SipTestServer;
  beforeAll(async () => {
    t = await startSipServer();
  });
  afterAll(() => t?.close());

  it('during a prompt: the prompt rejects with CallEnded and so does every later operation', async () => {
    const id = await t.voiceScript('4423', `async function main(data, ctx) {
      await ctx.answer();
      try {
        await ctx.tts('This is a long announcement that the caller will not wait for, because they hang up after one second of it.');
      } catch (e) {
        ctx.log('prompt: ' + e.name);
      }
      try {
        await ctx.play('ivr/goodbye.wav');
      } catch (e) {
        ctx.log('later: ' + e.name);
      }
    }`);
    const t0 = Date.now();
    const r = await sipp(scenario('caller-bye', invite() + pause(1000) + SEND_BYE), { sipPort: t.sipPort, number: '4423' });
    expect(r.code, r.errors + r.stderr).toBe(0);
    const e = await t.execution(id);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(e.ok).toBe(true);
    const logs = e.logs.map((l: { message: string }) => l.message);
    expect(logs).toContain('prompt: CallEnded');
    expect(logs).toContain('later: CallEnded');
    expect(e.result.timeline.some((x: { event?: string }) => x.event === 'hangup')).toBe(true);
    // The user agent forgot the call and still answers.
    expect(t.server.sip!.ua.calls.size).toBe(0);
    const again = await sipp(scenario('caller-bye', invite() + pause(200) + SEND_BYE), { sipPort: t.sipPort, number: '4423' });
    expect(again.code).toBe(0);
  });
});
