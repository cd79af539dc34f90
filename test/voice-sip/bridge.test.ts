/**
 * ctx.bridge over SIP: sipp calls an IVR, presses a digit, and the script bridges to a second sipp
 * (the B-leg, a UAS on 127.0.0.3). Media flows both ways (re-encoded: the caller talks PCMU, the
 * B-leg PCMA), a blocked digit is seen by the script but not relayed, the B-leg hanging up ends the
 * bridge as 'completed' and the script goes on. A busy B-leg takes the script's fallback path.
 * And ctx.transfer: REFER, 202, NOTIFY (sipfrag 200), then our BYE.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  B_LEG_IP, RECV_BYE, SEND_BYE, UAS_RECV_INVITE, UAS_SEND_BYE, invite, missingTools, pause, reply, rtpSink, scenario, sipp, sippUas, startSipServer, uasAnswer,
  type SipTestServer,
} from './helpers.js';

const missing = missingTools();
const PCAP_DIR = ['/usr/share/sip-tester', '/usr/share/sipp'].find((d) => fs.existsSync(`${d}/dtmf_2833_1.pcap`));

type Entry = { op?: string; event?: string; t: number; result?: any; [k: string]: unknown };

const play = (file: string) => `
  <nop><action><exec play_pcap_audio="${PCAP_DIR}/${file}"/></action></nop>`;

describe.skipIf(missing.length > 0)('SIP: bridge and transfer', () => {
  let t: SipTestServer;
  beforeAll(async () => {
    if (!PCAP_DIR) throw new Error('sipp has no pcaps (in /usr/share/sip-tester or /usr/share/sipp)');
    t = await startSipServer();
  });
  afterAll(() => t?.close());

  it('a digit picks the bridge; media flows both ways; the B-leg hangs up and the script goes on', async () => {
    const toB = await rtpSink(); // the B-leg's RTP port: what we relay from the caller
    const toA = await rtpSink(); // the caller's RTP port: what we send the caller
    const b = await sippUas(scenario('bleg', UAS_RECV_INVITE + uasAnswer(toB.port, 8) + play('g711a.pcap') + pause(4000) + UAS_SEND_BYE));
    try {
      const id = await t.voiceScript('4431', `async function main(data, ctx) {
        await ctx.answer();
        const r = await ctx.ivr('ivr/menu.wav', 5, 1, 1, '#');
        if (r.value === '1') {
          await ctx.blockDtmf('5');
          const res = await ctx.bridge('sip:200@${B_LEG_IP}:${b.port}', true);
          ctx.log('bridge ' + res.status + ' ' + res.sipCode + ' ' + (res.durationMs > 2000 ? 'long' : 'short:' + res.durationMs));
          await ctx.tts('bye');
        }
        await ctx.hangup();
      }`);
      // The caller presses 1, then (bridged) talks, presses 5 (blocked) and 3 (relayed).
      const a = invite(toA.port) + pause(300) + play('dtmf_2833_1.pcap') + pause(1500) + play('g711a.pcap') + pause(1500)
        + play('dtmf_2833_5.pcap') + pause(700) + play('dtmf_2833_3.pcap') + RECV_BYE;
      const t0 = Date.now();
      const r = await sipp(scenario('caller', a), { sipPort: t.sipPort, number: '4431' });
      expect(r.code, r.errors + r.stderr).toBe(0);
      const rb = await b.done;
      expect(rb.code, rb.errors + rb.stderr).toBe(0); // the B-leg got our INVITE, ACK and 200 for its BYE
      expect(Date.now() - t0).toBeLessThan(15_000);

      const e = await t.execution(id);
      expect(e.ok).toBe(true);
      const logs = e.logs.map((l: { message: string }) => l.message);
      expect(logs).toContain('bridge completed 200 long');
      const timeline = e.result.timeline as Entry[];
      expect(timeline.filter((x) => x.op).map((x) => x.op)).toEqual(['answer', 'ivr', 'blockDtmf', 'bridge', 'log', 'tts', 'hangup']);
      expect(timeline.find((x) => x.op === 'bridge')!.result).toMatchObject({ status: 'completed', sipCode: 200 });
      const legs = timeline.filter((x) => x.event === 'leg').map((x) => x.state);
      expect(legs).toEqual(['ringing', 'answered', 'ended']);
      // The script saw every digit; only 5 was kept from the B-leg.
      const digits = timeline.filter((x) => x.event === 'dtmf').map((x) => [x.digit, x.relayed]);
      expect(digits).toEqual([['1', undefined], ['5', false], ['3', true]]);

      // The B-leg got the caller's audio, re-encoded to its PCMA, and one digit (3) as events.
      const audioB = toB.packets.filter((p) => p.pt === 8);
      expect(audioB.length).toBeGreaterThan(50);
      expect(audioB.every((p) => p.bytes === 160)).toBe(true);
      const eventsB = toB.packets.filter((p) => p.pt === 101);
      expect(new Set(eventsB.map((p) => p.ts)).size).toBe(1);
      // The caller got the B-leg's audio in its PCMU (besides the menu and 'bye').
      expect(toA.packets.filter((p) => p.pt === 0).length).toBeGreaterThan(150);
      expect(t.server.sip!.ua.legs.size).toBeLessThanOrEqual(1); // forgotten a few seconds later
    } finally {
      b.kill();
      toA.close();
      toB.close();
    }
  }, 30_000);

  it('a busy B-leg (486): the bridge resolves busy and the script takes its fallback', async () => {
    const b = await sippUas(scenario('busy', `
  <recv request="INVITE"/>${reply('486 Busy Here', { tag: true })}
  <recv request="ACK"/>`));
    try {
      const id = await t.voiceScript('4432', `async function main(data, ctx) {
        await ctx.answer();
        const res = await ctx.bridge('sip:200@${B_LEG_IP}:${b.port}', 'fail');
        if (res.status !== 'completed') {
          ctx.log('fallback ' + res.status + ' ' + res.sipCode + ' ' + res.durationMs);
          await ctx.tts('Everyone is busy.');
        }
        await ctx.hangup();
      }`);
      const r = await sipp(scenario('caller', invite() + RECV_BYE), { sipPort: t.sipPort, number: '4432' });
      expect(r.code, r.errors + r.stderr).toBe(0);
      const rb = await b.done;
      expect(rb.code, rb.errors + rb.stderr).toBe(0);
      const e = await t.execution(id);
      expect(e.ok).toBe(true);
      expect(e.logs.map((l: { message: string }) => l.message)).toContain('fallback busy 486 0');
      const timeline = e.result.timeline as Entry[];
      expect(timeline.filter((x) => x.op).map((x) => x.op)).toEqual(['answer', 'bridge', 'log', 'tts', 'hangup']);
      expect(timeline.filter((x) => x.event === 'leg').map((x) => [x.state, x.sipCode])).toEqual([['failed', 486]]);
    } finally {
      b.kill();
    }
  }, 30_000);

  it('the caller hangs up while bridged: the B-leg gets our BYE, the bridge rejects with CallEnded', async () => {
    const toB = await rtpSink();
    const b = await sippUas(scenario('bleg-bye', '<recv request="INVITE"/>' + uasAnswer(toB.port) + RECV_BYE));
    try {
      const id = await t.voiceScript('4434', `async function main(data, ctx) {
        await ctx.answer();
        try {
          await ctx.bridge('sip:200@${B_LEG_IP}:${b.port}');
        } catch (e) {
          ctx.log('bridge: ' + e.name);
        }
      }`);
      const r = await sipp(scenario('caller-bye', invite() + pause(1500) + SEND_BYE), { sipPort: t.sipPort, number: '4434' });
      expect(r.code, r.errors + r.stderr).toBe(0);
      const rb = await b.done;
      expect(rb.code, rb.errors + rb.stderr).toBe(0);
      const e = await t.execution(id);
      expect(e.logs.map((l: { message: string }) => l.message)).toContain('bridge: CallEnded');
      expect((e.result.timeline as Entry[]).filter((x) => x.event === 'leg').map((x) => x.state)).toEqual(['ringing', 'answered']);
    } finally {
      b.kill();
      toB.close();
    }
  }, 30_000);

  it('no answer within call_timeout: CANCEL, and the bridge resolves no-answer', async () => {
    const b = await sippUas(scenario('bleg-ring', `
  <recv request="INVITE"/>${reply('180 Ringing', { tag: true })}
  <recv request="CANCEL" timeout="10000"/>${reply('200 OK')}${reply('487 Request Terminated', { tag: true, cseq: 'CSeq: 1 INVITE' })}
  <recv request="ACK"/>`));
    try {
      const id = await t.voiceScript('4435', `async function main(data, ctx) {
        await ctx.answer();
        ctx.set('call_timeout', '1');
        const res = await ctx.bridge('200@${B_LEG_IP}:${b.port}', 'fail');
        ctx.log('bridge ' + res.status + ' ' + res.sipCode);
        await ctx.hangup();
      }`);
      const t0 = Date.now();
      const r = await sipp(scenario('caller', invite() + RECV_BYE), { sipPort: t.sipPort, number: '4435' });
      expect(r.code, r.errors + r.stderr).toBe(0);
      const rb = await b.done;
      expect(rb.code, rb.errors + rb.stderr).toBe(0);
      expect(Date.now() - t0).toBeLessThan(6000);
      const e = await t.execution(id);
      expect(e.logs.map((l: { message: string }) => l.message)).toContain('bridge no-answer 408');
    } finally {
      b.kill();
    }
  }, 30_000);

  it('transfer: REFER, 202, NOTIFY with a 200 sipfrag, then our BYE', async () => {
    const id = await t.voiceScript('4433', `async function main(data, ctx) {
      await ctx.answer();
      const r = await ctx.transfer('sip:300@127.0.0.9:5099');
      ctx.log('transfer ' + r.status + ' ' + r.sipCode);
    }`);
    const refer = `
  <recv request="REFER">
    <action><ereg regexp="sip:300@127.0.0.9:5099" search_in="hdr" header="Refer-To:" check_it="true" assign_to="rt"/></action>
  </recv>
  <Reference variables="rt"/>${reply('202 Accepted', { contact: '<sip:[local_ip]:[local_port]>' })}
  <send retrans="500">
    <![CDATA[
NOTIFY sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:441632960001@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 NOTIFY
Contact: sip:441632960001@[local_ip]:[local_port]
Event: refer
Subscription-State: terminated;reason=noresource
Content-Type: message/sipfrag;version=2.0
Max-Forwards: 70
Content-Length: [len]

SIP/2.0 200 OK
    ]]>
  </send>
  <recv response="200"/>`;
    const r = await sipp(scenario('transferee', invite() + refer + RECV_BYE), { sipPort: t.sipPort, number: '4433' });
    expect(r.code, r.errors + r.stderr).toBe(0);
    const e = await t.execution(id);
    expect(e.ok).toBe(true);
    expect(e.logs.map((l: { message: string }) => l.message)).toContain('transfer accepted 202');
  }, 30_000);
});

describe('bridge destinations', () => {
  it('SIP URIs, user@host, and bare numbers only through a gateway', async () => {
    const { resolveDestination, bridgeStatus } = await import('../../src/voice/sip/index.js');
    expect(resolveDestination('sip:200@127.0.0.2:5070')).toEqual({ uri: 'sip:200@127.0.0.2:5070', to: { address: '127.0.0.2', port: 5070 } });
    expect(resolveDestination('200@127.0.0.2')).toEqual({ uri: 'sip:200@127.0.0.2', to: { address: '127.0.0.2', port: 5060 } });
    expect(resolveDestination('441632960999', '')).toBeNull();
    expect(resolveDestination('441632960999', '127.0.0.5:5080')).toEqual({ uri: 'sip:441632960999@127.0.0.5:5080', to: { address: '127.0.0.5', port: 5080 } });
    expect(resolveDestination('sips:200@example.com', '')).toBeNull();
    expect([486, 600, 408, 480, 487, 404, 503].map(bridgeStatus)).toEqual(['busy', 'busy', 'no-answer', 'no-answer', 'no-answer', 'failed', 'failed']);
  });
});
