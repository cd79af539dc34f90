/** The SIP backend's pure parts: messages, SDP, G.711, resampling, RTP and telephone-events. */
import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/server/index.js';
import {
  alawToLinear, buildSdp, decodeG711, encodeG711, linearToAlaw, linearToMulaw, mulawToLinear, negotiate, parseListen, parseSdp, parseSip, resample, serializeSip,
} from '../../src/voice/sip/index.js';
import { buildEvent, buildRtp, parseEvent, parseRtp } from '../../src/voice/sip/rtp.js';
import { responseTo } from '../../src/voice/sip/message.js';

const INVITE = [
  'INVITE sip:4420@127.0.0.1:5060 SIP/2.0',
  'Via: SIP/2.0/UDP 127.0.0.2:5061;branch=z9hG4bK-1, SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-0',
  'f: "Al" <sip:441632960001@127.0.0.2>;tag=abc',
  'To: <sip:4420@127.0.0.1>',
  'i: call-1@127.0.0.2',
  'CSeq: 1 INVITE',
  'X-Customer-ID: C-42',
  'Content-Type: application/sdp',
  'Content-Length: 999',
  '',
  'v=0\r\nc=IN IP4 127.0.0.2\r\nm=audio 7000 RTP/AVP 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\n',
].join('\r\n');

describe('SIP messages', () => {
  it('parses a request: compact names, several Vias on a line, the name as written', () => {
    const m = parseSip(INVITE)!;
    expect(m).toMatchObject({ method: 'INVITE', uri: 'sip:4420@127.0.0.1:5060' });
    expect(m.headers.filter(([n]) => n === 'via')).toHaveLength(2);
    expect(m.headers.find(([n]) => n === 'from')![1]).toContain('tag=abc');
    expect(m.headers.find(([n]) => n === 'call-id')![1]).toBe('call-1@127.0.0.2');
    expect(m.names![m.headers.findIndex(([n]) => n === 'x-customer-id')]).toBe('X-Customer-ID');
    expect(m.body).toContain('m=audio 7000');
  });

  it('answers with the To tag and a Content-Length that fits', () => {
    const res = serializeSip(responseTo(parseSip(INVITE)!, 200, 'OK', { toTag: 't1', body: 'x=1\r\n' }));
    expect(res.startsWith('SIP/2.0 200 OK\r\n')).toBe(true);
    expect(res).toContain('To: <sip:4420@127.0.0.1>;tag=t1\r\n');
    expect(res).toContain('Call-ID: call-1@127.0.0.2\r\n');
    expect(res).toContain('Content-Length: 5\r\n\r\nx=1\r\n');
    expect(parseSip(res)).toMatchObject({ status: 200, reason: 'OK' });
    expect(parseSip('hello')).toBeNull();
  });

  it('SCRIPTFORGE_SIP_LISTEN', () => {
    expect(parseListen('127.0.0.1:5060')).toEqual({ host: '127.0.0.1', port: 5060 });
    expect(() => parseListen('5060')).toThrow(/host:port/);
    expect(configFromEnv({ SCRIPTFORGE_SIP_LISTEN: '0.0.0.0:5080' }).sipListen).toBe('0.0.0.0:5080');
    expect(configFromEnv({}).sipListen).toBeUndefined();
  });
});

describe('SDP', () => {
  it('takes the first G.711 payload of the offer and its telephone-event', () => {
    const offer = parseSdp(parseSip(INVITE)!.body)!;
    expect(offer).toEqual({ address: '127.0.0.2', port: 7000, payloads: [8, 0, 101], dtmfPayload: 101 });
    const neg = negotiate(offer)!;
    expect(neg).toEqual({ codec: 'PCMA', payload: 8, dtmfPayload: 101 });
    const sdp = buildSdp({ address: '127.0.0.1', port: 9000, sessionId: 1, neg });
    expect(sdp).toContain('m=audio 9000 RTP/AVP 8 101\r\n');
    expect(sdp).toContain('a=rtpmap:101 telephone-event/8000');
    expect(negotiate({ address: 'x', port: 1, payloads: [9, 18], dtmfPayload: null })).toBeNull();
  });
});

describe('G.711 and resampling', () => {
  it('µ-law and A-law round trip within their step size', () => {
    for (const x of [0, 1, -1, 100, -100, 1000, -1000, 12345, -12345, 32767, -32768]) {
      expect(Math.abs(mulawToLinear(linearToMulaw(x)) - x)).toBeLessThanOrEqual(Math.max(8, Math.abs(x) / 16));
      expect(Math.abs(alawToLinear(linearToAlaw(x)) - x)).toBeLessThanOrEqual(Math.max(16, Math.abs(x) / 16));
    }
    expect(linearToMulaw(0)).toBe(0xff);
    expect(linearToAlaw(0)).toBe(0xd5);
    const s = Int16Array.from([0, 500, -500, 20000]);
    expect([...decodeG711(encodeG711(s, 'PCMU'), 'PCMU')].map((v, i) => Math.abs(v - s[i]) < 700)).toEqual([true, true, true, true]);
  });

  it('resamples 22050 Hz to 8 kHz keeping the length in time', () => {
    const src = new Int16Array(22050).fill(1000);
    const out = resample(src, 22050, 8000);
    expect(out.length).toBe(8000);
    expect(out[4000]).toBe(1000);
  });
});

describe('RTP', () => {
  it('builds and parses packets and telephone-events', () => {
    const p = parseRtp(buildRtp({ payloadType: 101, marker: true, seq: 65535, timestamp: 0xfffffff0, ssrc: 7, payload: buildEvent({ event: 11, end: true, volume: 10, duration: 800 }) }))!;
    expect(p).toMatchObject({ payloadType: 101, marker: true, seq: 65535, timestamp: 0xfffffff0, ssrc: 7 });
    expect(parseEvent(p.payload)).toEqual({ event: 11, end: true, volume: 10, duration: 800 });
    expect(parseRtp(Buffer.from('not rtp'))).toBeNull();
  });
});
