/**
 * SDP offer/answer (RFC 3264) for one audio stream: G.711 µ-law (PCMU, 0) or A-law (PCMA, 8), and
 * RFC 4733 telephone-event when the offer has it.
 */

export type Codec = 'PCMU' | 'PCMA';

export interface MediaOffer {
  /** Where the far end wants its RTP. */
  address: string;
  port: number;
  /** Payload types offered, in order of preference. */
  payloads: number[];
  /** The payload type of telephone-event, when offered. */
  dtmfPayload: number | null;
}

export interface Negotiated {
  codec: Codec;
  payload: 0 | 8;
  dtmfPayload: number | null;
}

export function parseSdp(sdp: string): MediaOffer | null {
  let sessionAddr = '';
  let mediaAddr = '';
  let port = -1;
  let payloads: number[] = [];
  let dtmfPayload: number | null = null;
  let inAudio = false;
  for (const raw of sdp.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('m=')) {
      const m = /^m=audio\s+(\d+)\s+RTP\/S?AVP\s+(.*)$/.exec(line);
      inAudio = !!m && port < 0;
      if (m && port < 0) {
        port = Number(m[1]);
        payloads = m[2].trim().split(/\s+/).map(Number);
      }
    } else if (line.startsWith('c=')) {
      const addr = line.split(/\s+/)[2] ?? '';
      if (port < 0) sessionAddr = addr;
      else if (inAudio) mediaAddr = addr;
    } else if (inAudio && line.startsWith('a=rtpmap:')) {
      const m = /^a=rtpmap:(\d+)\s+telephone-event\/8000/i.exec(line);
      if (m) dtmfPayload = Number(m[1]);
    }
  }
  if (port < 0) return null;
  return { address: mediaAddr || sessionAddr, port, payloads, dtmfPayload };
}

/** What we accept of an offer: the first G.711 payload it lists; null when it has none. */
export function negotiate(offer: MediaOffer): Negotiated | null {
  const p = offer.payloads.find((x) => x === 0 || x === 8);
  if (p === undefined) return null;
  return { codec: p === 0 ? 'PCMU' : 'PCMA', payload: p as 0 | 8, dtmfPayload: offer.dtmfPayload !== null && offer.payloads.includes(offer.dtmfPayload) ? offer.dtmfPayload : null };
}

/** Our answer: one audio stream at `address:port`. */
export function buildSdp(o: { address: string; port: number; sessionId: number; neg: Negotiated }): string {
  const { neg } = o;
  const pts = [neg.payload, ...(neg.dtmfPayload !== null ? [neg.dtmfPayload] : [])];
  const lines = [
    'v=0',
    `o=ScriptForge ${o.sessionId} ${o.sessionId} IN IP4 ${o.address}`,
    's=ScriptForge',
    `c=IN IP4 ${o.address}`,
    't=0 0',
    `m=audio ${o.port} RTP/AVP ${pts.join(' ')}`,
    `a=rtpmap:${neg.payload} ${neg.codec}/8000`,
    ...(neg.dtmfPayload !== null ? [`a=rtpmap:${neg.dtmfPayload} telephone-event/8000`, `a=fmtp:${neg.dtmfPayload} 0-16`] : []),
    'a=ptime:20',
    'a=sendrecv',
  ];
  return lines.join('\r\n') + '\r\n';
}

/** Our offer (a B-leg's INVITE): these G.711 payloads in order of preference, and telephone-event. */
export function buildOffer(o: { address: string; port: number; sessionId: number; payloads: (0 | 8)[]; dtmfPayload: number }): string {
  const lines = [
    'v=0',
    `o=ScriptForge ${o.sessionId} ${o.sessionId} IN IP4 ${o.address}`,
    's=ScriptForge',
    `c=IN IP4 ${o.address}`,
    't=0 0',
    `m=audio ${o.port} RTP/AVP ${[...o.payloads, o.dtmfPayload].join(' ')}`,
    ...o.payloads.map((p) => `a=rtpmap:${p} ${p === 0 ? 'PCMU' : 'PCMA'}/8000`),
    `a=rtpmap:${o.dtmfPayload} telephone-event/8000`,
    `a=fmtp:${o.dtmfPayload} 0-16`,
    'a=ptime:20',
    'a=sendrecv',
  ];
  return lines.join('\r\n') + '\r\n';
}
