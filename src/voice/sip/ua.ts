/**
 * The SIP user agent: one UDP socket for signalling. An INVITE gets a 100 Trying at once and, when
 * its offer has G.711, a call (SipCall, with its own RTP socket) handed to `onCall`, which decides
 * (answers through the script, or refuses); without one, 488. Requests and responses of a known
 * Call-ID go to that call; OPTIONS is answered; anything else outside a call gets a 481.
 */
import dgram from 'node:dgram';
import type { AudioFiles } from '../audio.js';
import { SipCall, type SipTransport } from './call.js';
import type { SpeechCache } from './espeak.js';
import { RtpMedia } from './media.js';
import { header, parseSip, responseTo, serializeSip, type SipMessage } from './message.js';
import { negotiate, parseSdp } from './sdp.js';

export interface UserAgentOptions {
  /** Where to listen (UDP); port 0 picks one. */
  host: string;
  port: number;
  /** The address put in Via, Contact and SDP; default `host` (127.0.0.1 for 0.0.0.0). */
  advertise?: string;
  audio: AudioFiles;
  speech: SpeechCache;
  recordDir: string;
  /** A new call: answer it through a script or refuse it. */
  onCall: (call: SipCall) => void;
  onError?: (err: unknown) => void;
}

type LegHandler = { onRequest(m: SipMessage, from: { address: string; port: number }): void; onResponse(m: SipMessage): void };

export class SipUserAgent implements SipTransport {
  readonly calls = new Map<string, SipCall>();
  /** Outgoing legs (bridge), by Call-ID. */
  readonly legs = new Map<string, LegHandler>();
  readonly #socket: dgram.Socket;
  readonly #o: UserAgentOptions;
  readonly address: string;
  #closed = false;

  private constructor(socket: dgram.Socket, o: UserAgentOptions) {
    this.#socket = socket;
    this.#o = o;
    this.address = o.advertise ?? (o.host === '0.0.0.0' ? '127.0.0.1' : o.host);
    socket.on('message', (b, rinfo) => {
      try {
        this.#receive(b, { address: rinfo.address, port: rinfo.port });
      } catch (err) {
        o.onError?.(err);
      }
    });
    socket.on('error', (err) => o.onError?.(err));
  }

  static async start(o: UserAgentOptions): Promise<SipUserAgent> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(o.port, o.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new SipUserAgent(socket, o);
  }

  get port(): number {
    return this.#socket.address().port;
  }

  send(m: SipMessage, to: { address: string; port: number }): void {
    if (this.#closed) return;
    this.#socket.send(serializeSip(m), to.port, to.address);
  }

  route(callId: string, handler: LegHandler): () => void {
    this.legs.set(callId, handler);
    return () => {
      if (this.legs.get(callId) === handler) this.legs.delete(callId);
    };
  }

  /** Hangs up every call, then stops listening. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await Promise.all([...this.calls.values()].map((c) => c.shutdown()));
    this.#closed = true;
    this.calls.clear();
    this.legs.clear();
    this.#socket.close();
  }

  #receive(b: Buffer, from: { address: string; port: number }): void {
    const m = parseSip(b);
    if (!m) return;
    const callId = header(m, 'call-id');
    if (!callId) return;
    const leg = this.legs.get(callId);
    if (leg) return m.status !== undefined ? leg.onResponse(m) : leg.onRequest(m, from);
    const call = this.calls.get(callId);
    if (m.status !== undefined) {
      call?.onResponse(m);
      return;
    }
    if (call) return call.onRequest(m, from);
    if (m.method === 'INVITE') return void this.#invite(m, from);
    if (m.method === 'ACK') return;
    if (m.method === 'OPTIONS') {
      this.send(responseTo(m, 200, 'OK', { headers: [['allow', 'INVITE, ACK, BYE, CANCEL, OPTIONS, INFO'], ['accept', 'application/sdp']] }), from);
      return;
    }
    this.send(responseTo(m, 481, 'Call/Transaction Does Not Exist'), from);
  }

  async #invite(m: SipMessage, from: { address: string; port: number }): Promise<void> {
    const callId = header(m, 'call-id')!;
    this.send(responseTo(m, 100, 'Trying'), from);
    const offer = parseSdp(m.body);
    const neg = offer ? negotiate(offer) : null;
    if (!offer || !neg) {
      this.send(responseTo(m, 488, 'Not Acceptable Here', { toTag: 'sf488', headers: [['warning', '304 ScriptForge "G.711 (PCMU or PCMA) audio offer needed"']] }), from);
      return;
    }
    const media = await RtpMedia.open(this.#o.host === '0.0.0.0' ? '0.0.0.0' : this.#o.host);
    if (this.calls.has(callId) || this.#closed) {
      media.close(); // a retransmission overtook us
      return;
    }
    const call = new SipCall({
      transport: this, invite: m, source: from, offer, neg, media, audio: this.#o.audio, speech: this.#o.speech, recordDir: this.#o.recordDir,
      onOver: () => {
        if (this.calls.get(callId) === call) this.calls.delete(callId);
      },
    });
    this.calls.set(callId, call);
    this.#o.onCall(call);
  }
}
