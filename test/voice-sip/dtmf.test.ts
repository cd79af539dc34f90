/**
 * RFC 4733 digits from sipp (its dtmf_2833 pcaps, played while our prompt plays): the script's ivr
 * collects the digit with barge-in and takes the path for it; and our sendDtmf goes out as events.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AudioDir } from '../../src/voice/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECV_BYE, invite, missingTools, pause, rtpSink, scenario, sipp, startSipServer, type SipTestServer } from './helpers.js';

const missing = missingTools();
const PCAP_DIR = ['/usr/share/sip-tester', '/usr/share/sipp'].find((d) => fs.existsSync(`${d}/dtmf_2833_2.pcap`));

const IVR = `async function main(data, ctx) {
  await ctx.answer();
  const r = await ctx.ivr('ivr/menu.wav', 5, 1, 1, '#');
  ctx.log('ivr ' + r.status + ' ' + r.value);
  if (r.value === '2') await ctx.tts('Support.');
  else await ctx.play('ivr/invalid.wav');
  await ctx.hangup();
}`;

describe.skipIf(missing.length > 0)('SIP: DTMF', () => {
  let t: SipTestServer;
  beforeAll(async () => {
    if (!PCAP_DIR) throw new Error('sipp has no dtmf_2833 pcaps (in /usr/share/sip-tester or /usr/share/sipp)');
    t = await startSipServer();
  });
  afterAll(() => t?.close());

  it('a digit pressed during the menu prompt barges in and picks the path', async () => {
    const id = await t.voiceScript('4421', IVR);
    const body = invite() + pause(300) + `
  <nop><action><exec play_pcap_audio="${PCAP_DIR}/dtmf_2833_2.pcap"/></action></nop>` + RECV_BYE;
    const r = await sipp(scenario('dtmf', body), { sipPort: t.sipPort, number: '4421' });
    expect(r.code, r.errors + r.stderr).toBe(0);
    const e = await t.execution(id);
    expect(e.ok).toBe(true);
    expect(e.logs.map((l: { message: string }) => l.message)).toContain('ivr success 2');
    const ops = e.result.timeline.filter((x: { op?: string }) => x.op);
    expect(ops.map((x: { op: string }) => x.op)).toEqual(['answer', 'ivr', 'log', 'tts', 'hangup']);
    // Barge-in: the menu (several seconds) stopped at the digit.
    const ivr = ops[1];
    expect(ivr.result).toMatchObject({ status: 'success', value: '2' });
    const menuMs = new AudioDir(path.join(t.dataDir, 'audio')).info('ivr/menu.wav').durationMs;
    expect(menuMs).toBeGreaterThan(3000); // rendered by espeak-ng at startup
    expect(ivr.end - ivr.t).toBeLessThan(1500);
    expect(e.result.timeline.some((x: { bargeIn?: boolean }) => x.bargeIn === true)).toBe(true);
    const events = e.result.timeline.filter((x: { event?: string }) => x.event === 'dtmf');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ digit: '2' });
  });

  it('sendDtmf goes out as RFC 4733 events, one per digit', async () => {
    const id = await t.voiceScript('4422', `async function main(data, ctx) { await ctx.answer(); await ctx.sendDtmf('19#'); await ctx.hangup() }`);
    const sink = await rtpSink();
    try {
      const r = await sipp(scenario('senddtmf', invite(sink.port) + RECV_BYE), { sipPort: t.sipPort, number: '4422' });
      expect(r.code, r.errors + r.stderr).toBe(0);
      expect((await t.execution(id)).ok).toBe(true);
      const ev = sink.packets.filter((p) => p.pt === 101);
      // 5 packets a digit (the last, the end, three times), one timestamp per digit.
      expect(ev.length).toBe(3 * 7);
      expect(new Set(ev.map((p) => p.ts)).size).toBe(3);
    } finally {
      sink.close();
    }
  });
});
