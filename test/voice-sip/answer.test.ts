/** sipp calls a number: the script answers, speaks, hangs up; sipp gets the 200 OK, our RTP, then our BYE. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECV_BYE, invite, missingTools, rtpSink, scenario, sipp, startSipServer, type SipTestServer } from './helpers.js';

const missing = missingTools();

describe.skipIf(missing.length > 0)('SIP: answer, tts, hangup', () => {
  let t: SipTestServer;
  beforeAll(async () => {
    t = await startSipServer();
  });
  afterAll(() => t?.close());

  it('answers, sends paced PCMU RTP of the speech, then BYE; the call is an execution', async () => {
    const id = await t.voiceScript('4420', `async function main(data, ctx) {
      await ctx.answer();
      ctx.log('customer ' + ctx.header('X-Customer-ID') + ' from ' + ctx.get('sip_from_user'));
      const r = await ctx.tts('Hello from ScriptForge.');
      ctx.log('spoke ' + r.ms);
      await ctx.hangup();
    }`);
    const sink = await rtpSink();
    try {
      const r = await sipp(scenario('answer', invite(sink.port) + RECV_BYE), { sipPort: t.sipPort, number: '4420' });
      expect(r.code, r.errors + r.stderr).toBe(0);
      const e = await t.execution(id);
      expect(e).toMatchObject({ trigger: 'voice', ok: true });
      expect(e.logs.map((l: { message: string }) => l.message)).toContain('customer C-42 from 441632960001');
      const spoke = Number(/spoke (\d+)/.exec(e.logs.map((l: { message: string }) => l.message).join('\n'))![1]);
      expect(spoke).toBeGreaterThan(500);
      // RTP: µ-law, 160 bytes each, as many as the speech lasts, paced at 20 ms.
      const audio = sink.packets.filter((p) => p.pt === 0);
      expect(audio.length).toBeGreaterThanOrEqual(Math.floor(spoke / 20) - 1);
      expect(audio.every((p) => p.bytes === 160)).toBe(true);
      const span = audio[audio.length - 1].at - audio[0].at;
      expect(span).toBeGreaterThan((audio.length - 1) * 20 - 40);
      expect(span).toBeLessThan((audio.length - 1) * 20 + 100);
      for (let i = 1; i < audio.length; i++) expect(audio[i].ts - audio[i - 1].ts).toBe(160);
      expect(e.result.timeline.map((x: { op?: string }) => x.op).filter(Boolean)).toEqual(['answer', 'log', 'tts', 'log', 'hangup']);
    } finally {
      sink.close();
    }
  });

  it('refuses a number that runs no script with 404', async () => {
    const body = `
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:1@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: sip:1@[local_ip]:[local_port]
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 8
  ]]></send>
  <recv response="100" optional="true"/>
  <recv response="404"/>
  <send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:1@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Content-Length: 0
  ]]></send>`;
    const r = await sipp(scenario('unknown', body), { sipPort: t.sipPort, number: '999000' });
    expect(r.code, r.errors + r.stderr).toBe(0);
  });
});
