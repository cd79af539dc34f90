/**
 * One call's media: an RTP socket, a sender paced at 20 ms (160 samples of G.711 per packet) and
 * the receiver. What is sent comes from one source at a time (a prompt, the echo, DTMF events); the
 * caller's RFC 4733 events come out as digits (one per event, however often it is repeated), the
 * caller's audio goes to the echo and the recording.
 */
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { randomInt } from 'node:crypto';
import { decodeG711, encodeG711 } from './g711.js';
import { buildEvent, buildRtp, EVENT_DIGITS, parseEvent, parseRtp } from './rtp.js';
import type { Negotiated } from './sdp.js';

export const FRAME_MS = 20;
export const FRAME_SAMPLES = 160;
const DTMF_TONE_FRAMES = 5; // 100 ms
const DTMF_GAP_FRAMES = 3; // 60 ms
const DEFAULT_DTMF_PT = 101;

/** Something to send, frame by frame: null when done. */
type Source = { next(): Int16Array | Buffer | null; done(framesSent: number): void };

export interface MediaStats {
  sent: number;
  received: number;
  /** How late each send was against its 20 ms slot, ms (for the benchmark). */
  lateMs: number[];
}

export class RtpMedia {
  readonly socket: dgram.Socket;
  readonly stats: MediaStats = { sent: 0, received: 0, lateMs: [] };
  #remote: { address: string; port: number } | null = null;
  #neg: Negotiated | null = null;
  readonly #ssrc = randomInt(1, 0xffffffff);
  #seq = randomInt(0, 0xffff);
  #ts = randomInt(0, 0x7fffffff);
  #timer: NodeJS.Timeout | null = null;
  #t0 = 0;
  #frame = 0;
  #source: Source | null = null;
  #sentOfSource = 0;
  #talking = false;
  #lastEventTs = -1;
  #closed = false;
  /** The caller's audio, decoded (for echo and recording). */
  onAudio: (samples: Int16Array) => void = () => {};
  /** Sent audio (for recording). */
  onSent: (samples: Int16Array) => void = () => {};
  onDigit: (digit: string) => void = () => {};

  private constructor(socket: dgram.Socket) {
    this.socket = socket;
    socket.on('message', (b) => this.#receive(b));
    socket.on('error', () => {});
  }

  /** A socket on `address`, on an even port (RTP) picked by the system. */
  static async open(address: string): Promise<RtpMedia> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new RtpMedia(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Where to send, and how; starts the 20 ms clock. */
  start(remote: { address: string; port: number }, neg: Negotiated): void {
    this.#remote = remote;
    this.#neg = neg;
    if (this.#timer || this.#closed) return;
    this.#t0 = performance.now();
    this.#frame = 0;
    this.#schedule();
  }

  /** Sends `samples` (8 kHz) paced; resolves with the ms played when done or when `signal` aborts. */
  play(samples: Int16Array, signal: AbortSignal): Promise<{ ms: number }> {
    let at = 0;
    return this.#run(
      () => {
        if (at >= samples.length) return null;
        const f = new Int16Array(FRAME_SAMPLES); // the last frame padded with silence
        f.set(samples.subarray(at, at + FRAME_SAMPLES));
        at += FRAME_SAMPLES;
        return f;
      },
      signal,
    ).then((frames) => ({ ms: Math.min(frames * FRAME_MS, Math.round((samples.length * 1000) / 8000)) }));
  }

  /** Sends the caller's audio back `delayMs` late until `signal` aborts. */
  async echo(delayMs: number, signal: AbortSignal): Promise<void> {
    const queue: Int16Array[] = [];
    const lag = Math.round(delayMs / FRAME_MS);
    const prev = this.onAudio;
    this.onAudio = (s) => {
      prev(s);
      queue.push(s);
    };
    try {
      await this.#run(() => (queue.length > lag ? queue.shift()! : new Int16Array(FRAME_SAMPLES)), signal);
    } finally {
      this.onAudio = prev;
    }
  }

  /** Sends digits as RFC 4733 events (100 ms each, 60 ms apart); resolves with how many went out whole. */
  async sendDtmf(digits: string, signal: AbortSignal): Promise<number> {
    const pt = this.#neg?.dtmfPayload ?? DEFAULT_DTMF_PT;
    let i = 0;
    let f = 0;
    let startTs = 0;
    let done = 0;
    const frames = DTMF_TONE_FRAMES + DTMF_GAP_FRAMES;
    await this.#run(
      () => {
        if (i >= digits.length) return null;
        const event = EVENT_DIGITS.indexOf(digits[i]);
        let out: Buffer | Int16Array;
        if (f === 0) startTs = this.#ts;
        if (f < DTMF_TONE_FRAMES) {
          const end = f === DTMF_TONE_FRAMES - 1;
          out = Object.assign(buildEvent({ event, end, volume: 10, duration: (f + 1) * FRAME_SAMPLES }), { pt, ts: startTs, marker: f === 0, repeat: end ? 3 : 1 });
          if (end) done++;
        } else {
          out = Buffer.alloc(0); // the gap: nothing sent
        }
        if (++f === frames) {
          f = 0;
          i++;
        }
        return out;
      },
      signal,
    );
    return done;
  }

  /**
   * Relays another leg until `signal` aborts: its audio (any packet size, re-framed into 20 ms and
   * encoded in this leg's codec; a frame of buffer against arrival jitter, at most 1 s kept) and its
   * digits (as RFC 4733 events, in between). Resolves `done` with the frames sent.
   */
  relay(signal: AbortSignal): { audio(s: Int16Array): void; digit(d: string): void; done: Promise<number> } {
    let pending = new Int16Array(0);
    let primed = false;
    const digits: string[] = [];
    let f = 0;
    let startTs = 0;
    const frames = DTMF_TONE_FRAMES + DTMF_GAP_FRAMES;
    const done = this.#run(() => {
      if (digits.length) {
        const pt = this.#neg?.dtmfPayload ?? DEFAULT_DTMF_PT;
        const event = EVENT_DIGITS.indexOf(digits[0]);
        if (f === 0) startTs = this.#ts;
        let out: Buffer = Buffer.alloc(0);
        if (f < DTMF_TONE_FRAMES) {
          const end = f === DTMF_TONE_FRAMES - 1;
          out = Object.assign(buildEvent({ event, end, volume: 10, duration: (f + 1) * FRAME_SAMPLES }), { pt, ts: startTs, marker: f === 0, repeat: end ? 3 : 1 });
        }
        if (++f === frames) {
          f = 0;
          digits.shift();
        }
        return out;
      }
      if (!primed && pending.length < 2 * FRAME_SAMPLES) return Buffer.alloc(0);
      if (pending.length < FRAME_SAMPLES) {
        primed = false; // ran dry: wait for a frame of buffer again
        return Buffer.alloc(0);
      }
      primed = true;
      const out = pending.slice(0, FRAME_SAMPLES);
      pending = pending.slice(FRAME_SAMPLES);
      return out;
    }, signal);
    return {
      audio: (s) => {
        const keep = Math.max(0, Math.min(pending.length, 8000 - s.length));
        const next = new Int16Array(keep + s.length);
        next.set(pending.subarray(pending.length - keep));
        next.set(s, keep);
        pending = next;
      },
      digit: (d) => {
        if (EVENT_DIGITS.includes(d) && digits.length < 32) digits.push(d);
      },
      done,
    };
  }

  /** Stops sending and receiving. */
  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#source?.done(this.#sentOfSource);
    this.#source = null;
    try {
      this.socket.close();
    } catch {
      /* closed */
    }
  }

  #run(next: () => Int16Array | Buffer | null, signal: AbortSignal): Promise<number> {
    return new Promise((resolve) => {
      if (signal.aborted || this.#closed) return resolve(0);
      // One source at a time: a new one ends the one before (the session never overlaps them).
      this.#source?.done(this.#sentOfSource);
      const source: Source = {
        next,
        done: (n) => {
          signal.removeEventListener('abort', onAbort);
          if (this.#source === source) this.#source = null;
          resolve(n);
        },
      };
      const onAbort = () => source.done(this.#source === source ? this.#sentOfSource : 0);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#source = source;
      this.#sentOfSource = 0;
    });
  }

  #schedule(): void {
    const due = this.#t0 + (this.#frame + 1) * FRAME_MS;
    this.#timer = setTimeout(() => this.#tick(due), Math.max(0, due - performance.now()));
  }

  #tick(due: number): void {
    if (this.#closed) return;
    const now = performance.now();
    this.#frame++;
    if (now - due > 5 * FRAME_MS) {
      // Far behind (a stalled event loop): start the clock again rather than burst.
      this.#t0 = now - this.#frame * FRAME_MS;
    }
    const s = this.#source;
    if (s) {
      const f = s.next();
      if (f === null) {
        s.done(this.#sentOfSource);
        this.#talking = false;
      } else {
        this.#sentOfSource++;
        this.#send(f, now - due);
      }
    } else {
      this.#talking = false;
    }
    this.#ts = (this.#ts + FRAME_SAMPLES) >>> 0;
    this.#schedule();
  }

  #send(f: Int16Array | Buffer, lateMs: number): void {
    if (!this.#remote || !this.#neg) return;
    let pkt: Buffer;
    if (f instanceof Int16Array) {
      pkt = buildRtp({ payloadType: this.#neg.payload, marker: !this.#talking, seq: this.#seq++, timestamp: this.#ts, ssrc: this.#ssrc, payload: Buffer.from(encodeG711(f, this.#neg.codec)) });
      this.#talking = true;
      this.onSent(f);
    } else if (f.length === 0) {
      return;
    } else {
      const meta = f as Buffer & { pt: number; ts: number; marker: boolean; repeat: number };
      pkt = buildRtp({ payloadType: meta.pt, marker: meta.marker, seq: 0, timestamp: meta.ts, ssrc: this.#ssrc, payload: f });
      for (let r = 0; r < meta.repeat; r++) {
        pkt.writeUInt16BE(this.#seq++ & 0xffff, 2);
        this.socket.send(Buffer.from(pkt), this.#remote.port, this.#remote.address);
        this.stats.sent++;
      }
      return;
    }
    this.stats.sent++;
    if (this.stats.lateMs.length < 100_000) this.stats.lateMs.push(lateMs);
    this.socket.send(pkt, this.#remote.port, this.#remote.address);
  }

  #receive(b: Buffer): void {
    const p = parseRtp(b);
    if (!p || !this.#neg) return;
    this.stats.received++;
    const dtmfPt = this.#neg.dtmfPayload ?? DEFAULT_DTMF_PT;
    if (p.payloadType === dtmfPt) {
      const e = parseEvent(p.payload);
      // One digit per event: its packets (and the end's three copies) share a timestamp.
      if (e && e.event < EVENT_DIGITS.length && p.timestamp !== this.#lastEventTs) {
        this.#lastEventTs = p.timestamp;
        this.onDigit(EVENT_DIGITS[e.event]);
      }
    } else if (p.payloadType === 0 || p.payloadType === 8) {
      this.onAudio(decodeG711(p.payload, p.payloadType === 0 ? 'PCMU' : 'PCMA'));
    }
  }
}
