/**
 * The built-in SIP user agent (PRODUCT.md §6.2), a CallBackend over SIP/UDP and RTP: it answers
 * INVITEs with G.711 (PCMU/PCMA) and RFC 4733 telephone-events, plays WAV files and espeak-ng speech
 * paced at 20 ms, takes the caller's digits (barge-in), sends digits, records, and ends calls with
 * BYE, bridges to a second SIP leg (bleg.ts: INVITE as a UAC, media relayed both ways) and transfers with REFER.
 *
 * @example
 *   const ua = await SipUserAgent.start({ host: '127.0.0.1', port: 5060, audio, speech: new SpeechCache(dir), recordDir,
 *     onCall: (call) => void runCall(engine, { code, backend: call }) });
 */
export { SipUserAgent, type UserAgentOptions } from './ua.js';
export { SipCall, type SipCallDeps, type SipTransport } from './call.js';
export { BLeg, resolveDestination, bridgeStatus, type LegTransport, type InviteOutcome } from './bleg.js';
export { SpeechCache, SpeechUnavailableError, ensureStockPrompts, renderSpeech, ESPEAK } from './espeak.js';
export { RtpMedia, FRAME_MS, FRAME_SAMPLES, type MediaStats } from './media.js';
export { parseSip, serializeSip, type SipMessage } from './message.js';
export { parseSdp, negotiate, buildSdp, type Codec, type MediaOffer, type Negotiated } from './sdp.js';
export { encodeG711, decodeG711, linearToAlaw, linearToMulaw, alawToLinear, mulawToLinear } from './g711.js';
export { readPcm8k, resample } from './pcm.js';
export { RealClock } from './clock.js';

/** `host:port` (SCRIPTFORGE_SIP_LISTEN) as its parts. */
export function parseListen(s: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(s.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new Error(`SCRIPTFORGE_SIP_LISTEN must be host:port (such as 127.0.0.1:5060), not '${s}'`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}
