/**
 * One incoming SIP call as a CallBackend: the INVITE server transaction (100 Trying, 180 Ringing,
 * then a 200 OK retransmitted until the ACK, or a final refusal retransmitted until its ACK), the
 * dialog (our BYE; the caller's BYE or CANCEL as a hangup event) and the RTP media.
 */
import { randomBytes, randomInt } from 'node:crypto';
import path from 'node:path';
import type { AudioFiles } from '../audio.js';
import type { BackendEvent, BridgeResult, BridgeStatus, CallBackend, IncomingCall, TransferResult, TtsOptions } from '../backend.js';
import { BLeg, bridgeStatus, resolveDestination, type LegTransport } from './bleg.js';
import { RealClock } from './clock.js';
import type { SpeechCache } from './espeak.js';
import { RtpMedia } from './media.js';
import { readPcm8k } from './pcm.js';
import { Recorder } from './recorder.js';
import { buildOffer, buildSdp, negotiate, type MediaOffer, type Negotiated } from './sdp.js';
import { cseq, header, headers, hostPortOf, param, REASONS, responseTo, uriOf, userOf, type SipMessage } from './message.js';
import { nonInviteRequest, T1, T2 } from './timers.js';

/** How the call reaches the network (the user agent's socket). */
export interface SipTransport extends LegTransport {
  /** Our address as the far end sees it, for Via, Contact and SDP. */
  readonly address: string;
  readonly port: number;
  send(m: SipMessage, to: { address: string; port: number }): void;
}

/** How long a B-leg may ring (ms): the channel variable call_timeout (seconds), else 60 s. */
const DEFAULT_RING_MS = 60_000;
/** How long a transfer waits for the final NOTIFY after the 202 before it counts as accepted. */
const NOTIFY_WAIT_MS = 30_000;

export interface SipCallDeps {
  transport: SipTransport;
  invite: SipMessage;
  source: { address: string; port: number };
  offer: MediaOffer;
  neg: Negotiated;
  media: RtpMedia;
  audio: AudioFiles;
  speech: SpeechCache;
  /** Where record(name) writes `NAME.wav`. */
  recordDir: string;
  /** Told once the call is over (the user agent forgets it). */
  onOver: () => void;
}

const TIMER_H = 32_000;

export class SipCall implements CallBackend {
  readonly call: IncomingCall;
  readonly clock = new RealClock();
  readonly audio: AudioFiles;
  readonly media: RtpMedia;
  /** Where record(name) writes (the user agent's default until the call's account is known). */
  recordDir: string;
  /** What happened on the wire, for tests and the logs. */
  readonly seen = { answeredAt: null as number | null, finalStatus: null as number | null, hungUpBy: null as 'caller' | 'us' | null, recordings: [] as string[] };
  #state: 'ringing' | 'answered' | 'over' = 'ringing';
  readonly #d: SipCallDeps;
  readonly #toTag = randomBytes(6).toString('hex');
  #listener: (e: BackendEvent) => void = () => {};
  #lastResponse: SipMessage | null = null;
  #retransmit: (() => void) | null = null;
  #localCseq = randomInt(1, 10_000);
  /** In-dialog requests of ours waiting for their final response, by CSeq number. */
  readonly #pending = new Map<number, (m: SipMessage) => void>();
  /** The digits of the caller kept from a bridged B-leg (blockDtmf). */
  #blocked = '';
  /** While bridged: where the caller's audio and digits go. */
  #toB: { audio(s: Int16Array): void; digit(d: string): void } | null = null;
  /** While a transfer waits for its NOTIFY: told the final sipfrag status (or 200 when the caller leaves). */
  #notify: ((code: number) => void) | null = null;
  readonly #variables: Record<string, string> = {};
  readonly #extraHeaders: [string, string][] = [];
  #recorder: Recorder | null = null;

  constructor(d: SipCallDeps) {
    this.#d = d;
    this.audio = d.audio;
    this.media = d.media;
    this.recordDir = d.recordDir;
    const inv = d.invite;
    const callId = header(inv, 'call-id') ?? '';
    const from = userOf(uriOf(header(inv, 'from')));
    const to = userOf(uriOf(header(inv, 'to'))) || userOf(inv.uri ?? '');
    const hs: Record<string, string> = {};
    const xvars: Record<string, string> = {};
    inv.headers.forEach(([n, v], i) => {
      hs[n] ??= v;
      if (n.startsWith('x-')) xvars[`sip_h_${inv.names?.[i] ?? n}`] = v;
    });
    this.call = {
      callId, from, to, headers: hs,
      variables: {
        sip_from_user: from, sip_to_user: to, caller_id_number: from, destination_number: to, sip_call_id: callId, uuid: callId,
        sip_network_ip: d.source.address, sip_network_port: String(d.source.port), read_codec: d.neg.codec, ...xvars,
      },
    };
    this.media.onDigit = (digit) => this.#callerDigit(digit);
    this.media.onAudio = (s) => {
      this.#recorder?.add(this.clock.now(), s);
      this.#toB?.audio(s);
    };
    this.media.onSent = (s) => this.#recorder?.add(this.clock.now(), s);
  }

  get state(): 'ringing' | 'answered' | 'over' {
    return this.#state;
  }

  listen(fn: (e: BackendEvent) => void): void {
    this.#listener = fn;
  }

  /** 180 Ringing (once the call has a script). */
  ringing(): void {
    if (this.#state === 'ringing') this.#respond(180);
  }

  async answer(): Promise<void> {
    if (this.#state !== 'ringing') return;
    this.#state = 'answered';
    const d = this.#d;
    const body = buildSdp({ address: d.transport.address, port: d.media.port, sessionId: randomInt(1, 2 ** 31), neg: d.neg });
    d.media.start({ address: d.offer.address, port: d.offer.port }, d.neg);
    this.#respond(200, {
      headers: [['contact', `<sip:${this.call.to || 'scriptforge'}@${d.transport.address}:${d.transport.port}>`], ['content-type', 'application/sdp'], ...this.#extraHeaders],
      body,
      untilAck: true,
    });
    this.seen.answeredAt = this.clock.now();
  }

  async reject(sipCode: number, reason: string): Promise<void> {
    if (this.#state !== 'ringing') return;
    this.#respond(sipCode, { reason, untilAck: true, headers: [...this.#extraHeaders] });
    this.#over();
  }

  async hangup(): Promise<void> {
    if (this.#state === 'ringing') return this.reject(480, REASONS[480]);
    if (this.#state !== 'answered') return;
    this.seen.hungUpBy = 'us';
    this.#stopRetransmit();
    this.#over();
    await this.#sendBye();
  }

  /** The server is stopping: the call ends (BYE, or 503 before the answer) and the script is told, as by a hangup. */
  async shutdown(): Promise<void> {
    const wasRinging = this.#state === 'ringing';
    if (this.#state === 'over') return;
    const done = wasRinging ? this.reject(503, 'Service Unavailable') : this.hangup();
    this.#listener({ type: 'hangup', cause: 'shutdown' });
    await done;
  }

  async play(file: string, signal: AbortSignal): Promise<{ ms: number }> {
    const info = this.audio.info(file);
    return this.media.play(readPcm8k(info.path, `Audio file '${file}'`), signal);
  }

  async tts(text: string, opts: TtsOptions, signal: AbortSignal): Promise<{ ms: number }> {
    const file = await this.#d.speech.file(text, opts);
    if (signal.aborted) return { ms: 0 };
    return this.media.play(readPcm8k(file, 'Speech'), signal);
  }

  echo(delayMs: number, signal: AbortSignal): Promise<void> {
    return this.media.echo(delayMs, signal);
  }

  async sendDtmf(digits: string, signal: AbortSignal): Promise<void> {
    await this.media.sendDtmf(digits, signal);
  }

  blockDtmf(digits: string): void {
    this.#blocked = digits;
  }

  /**
   * Calls `destination` (a B-leg of our own, offering the caller's codec first, then the other
   * G.711) and, once it answers, relays audio both ways (re-encoded when the legs' codecs differ)
   * and digits (the caller's, unless blocked). Ends when the B-leg hangs up (BYE answered), or the
   * caller does (`signal`; our BYE to the B-leg).
   */
  async bridge(destination: string, signal: AbortSignal): Promise<BridgeResult> {
    const fail = (sipCode: number, status: BridgeStatus = bridgeStatus(sipCode)): BridgeResult => {
      this.#listener({ type: 'leg', destination, state: 'failed', sipCode });
      return { status, sipCode, durationMs: 0 };
    };
    if (this.#state !== 'answered' || signal.aborted) return { status: 'failed', sipCode: 487, durationMs: 0 };
    const dest = resolveDestination(destination);
    if (!dest) return fail(404, 'failed');
    const t = this.#d.transport;
    const bMedia = await RtpMedia.open(this.media.socket.address().address);
    const leg = new BLeg({ transport: t, uri: dest.uri, to: dest.to, fromUser: this.call.from, headers: [...this.#extraHeaders] });
    try {
      const aPt = this.#d.neg.payload;
      const sdp = buildOffer({ address: t.address, port: bMedia.port, sessionId: randomInt(1, 2 ** 31), payloads: [aPt, aPt === 0 ? 8 : 0], dtmfPayload: 101 });
      const secs = Number(this.#variables.call_timeout);
      const ringMs = secs > 0 ? secs * 1000 : DEFAULT_RING_MS;
      const out = await leg.invite(sdp, { ringMs, signal, onRinging: () => this.#listener({ type: 'leg', destination, state: 'ringing' }) });
      if (signal.aborted) {
        if (out.sipCode < 300) await leg.hangup();
        return { status: 'failed', sipCode: 487, durationMs: 0 };
      }
      if (out.sipCode >= 300) return fail(out.sipCode, out.timedOut ? 'no-answer' : bridgeStatus(out.sipCode));
      const negB = out.answer ? negotiate(out.answer) : null;
      if (!out.answer || !negB) {
        await leg.hangup();
        return fail(488, 'failed');
      }
      this.#listener({ type: 'leg', destination, state: 'answered', sipCode: out.sipCode });
      const start = this.clock.now();
      const stop = new AbortController();
      bMedia.start({ address: out.answer.address, port: out.answer.port }, negB);
      const toA = this.media.relay(stop.signal);
      const toB = bMedia.relay(stop.signal);
      bMedia.onAudio = (s) => toA.audio(s);
      bMedia.onDigit = (d) => toA.digit(d);
      this.#toB = toB;
      const callerGone = new Promise<'abort'>((r) => {
        if (signal.aborted) r('abort');
        signal.addEventListener('abort', () => r('abort'), { once: true });
      });
      const how = await Promise.race([leg.ended, callerGone]);
      this.#toB = null;
      stop.abort();
      const durationMs = Math.round(this.clock.now() - start);
      if (how === 'remote') this.#listener({ type: 'leg', destination, state: 'ended' });
      else await leg.hangup();
      return { status: 'completed', sipCode: out.sipCode, durationMs };
    } finally {
      this.#toB = null;
      bMedia.close();
      leg.close();
    }
  }

  async record(name: string): Promise<void> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name)) throw new TypeError(`'${name}' is not a recording name (letters, digits, . _ -)`);
    this.#recorder?.save(this.clock.now());
    const file = path.join(this.recordDir, name.endsWith('.wav') ? name : `${name}.wav`);
    this.#recorder = new Recorder(file, this.clock.now());
    this.seen.recordings.push(file);
  }

  /**
   * REFER in the caller's dialog (Refer-To: `target`; a bare number at the caller's domain). A
   * refusal of the REFER, or a final NOTIFY (sipfrag) that is not 2xx, is a failure and the call
   * goes on; a 2xx NOTIFY (or the caller leaving, or no NOTIFY within 30 s of the 202) is accepted,
   * and we end our side with BYE.
   */
  async transfer(target: string, signal: AbortSignal): Promise<TransferResult> {
    if (this.#state !== 'answered' || signal.aborted) return { status: 'failed', sipCode: 481 };
    const t = this.#d.transport;
    const callerHost = hostPortOf(uriOf(header(this.#d.invite, 'from'))).host || this.#d.source.address;
    const referTo = /^sips?:/i.test(target) ? target : target.includes('@') ? `sip:${target}` : `sip:${target}@${callerHost}`;
    const notified = new Promise<number>((r) => (this.#notify = r));
    try {
      const res = await this.#sendInDialog('REFER', [['refer-to', `<${referTo}>`], ['referred-by', `<sip:${this.call.to || 'scriptforge'}@${t.address}:${t.port}>`]], 8_000);
      if (this.state === 'over' && !res) return { status: 'accepted', sipCode: 202 };
      if (!res) return { status: 'failed', sipCode: 408 };
      if ((res.status ?? 500) >= 300) return { status: 'failed', sipCode: res.status ?? 500 };
      let stopWaiting = () => {};
      const code = await Promise.race([
        notified,
        new Promise<number>((r) => {
          const timer = setTimeout(() => r(202), NOTIFY_WAIT_MS);
          const onAbort = () => r(-1);
          signal.addEventListener('abort', onAbort, { once: true });
          stopWaiting = () => {
            clearTimeout(timer);
            signal.removeEventListener('abort', onAbort);
          };
        }),
      ]);
      stopWaiting();
      if (code === -1) return { status: 'failed', sipCode: 487 };
      if (code >= 300) return { status: 'failed', sipCode: code };
      if (this.#state === 'answered') await this.hangup();
      return { status: 'accepted', sipCode: 202 };
    } finally {
      this.#notify = null;
    }
  }

  setVariable(key: string, value: string): void {
    this.#variables[key] = value;
  }

  setHeader(name: string, value: string): void {
    if (!/^[A-Za-z0-9-]{1,64}$/.test(name) || /[\r\n]/.test(value)) throw new TypeError(`'${name}' is not a SIP header we can set`);
    this.#extraHeaders.push([name, value]);
  }

  close(): void {
    if (this.#state === 'answered') void this.hangup();
    else if (this.#state === 'ringing') void this.reject(480, REASONS[480]);
    this.#over();
  }

  // --- the network -------------------------------------------------------------------------------

  /** A request of this call's dialog (or a retransmitted INVITE). */
  onRequest(m: SipMessage, from: { address: string; port: number }): void {
    const t = this.#d.transport;
    switch (m.method) {
      case 'INVITE':
        if (!param(header(m, 'to'), 'tag')) {
          if (this.#lastResponse) t.send(this.#lastResponse, this.#d.source); // a retransmission
        } else {
          // A re-INVITE (hold, refresh): the same answer again.
          t.send(responseTo(m, 200, 'OK', { headers: [['contact', `<sip:${t.address}:${t.port}>`], ['content-type', 'application/sdp']], body: buildSdp({ address: t.address, port: this.media.port, sessionId: 1, neg: this.#d.neg }) }), from);
        }
        return;
      case 'ACK':
        this.#stopRetransmit();
        return;
      case 'BYE':
        t.send(responseTo(m, 200, 'OK'), from);
        if (this.#notify && this.#state === 'answered') {
          // The caller leaves during a transfer: it went to the target.
          this.seen.hungUpBy = 'caller';
          this.#over();
          this.#notify(200);
          return;
        }
        this.#callerGone('caller');
        return;
      case 'NOTIFY': {
        t.send(responseTo(m, 200, 'OK'), from);
        const frag = /^SIP\/2\.0\s+(\d{3})/m.exec(m.body);
        if (frag && Number(frag[1]) >= 200) this.#notify?.(Number(frag[1]));
        return;
      }
      case 'CANCEL':
        t.send(responseTo(m, 200, 'OK'), from);
        if (this.#state === 'ringing') {
          this.#respond(487, { untilAck: true });
          this.#callerGone('cancelled');
        }
        return;
      case 'INFO': {
        t.send(responseTo(m, 200, 'OK'), from);
        const sig = /Signal\s*=\s*([0-9*#A-D])/i.exec(m.body);
        if (sig) this.#callerDigit(sig[1].toUpperCase());
        return;
      }
      default:
        t.send(responseTo(m, 200, 'OK'), from);
    }
  }

  onResponse(m: SipMessage): void {
    if ((m.status ?? 0) >= 200) this.#pending.get(cseq(m).seq)?.(m);
  }

  /** A digit of the caller: to the script, and on to a bridged B-leg unless blocked. */
  #callerDigit(digit: string): void {
    if (this.#state !== 'answered') return;
    const toB = this.#toB;
    if (!toB) return this.#listener({ type: 'dtmf', digit });
    const relayed = !this.#blocked.includes(digit);
    if (relayed) toB.digit(digit);
    this.#listener({ type: 'dtmf', digit, relayed });
  }

  #callerGone(cause: string): void {
    if (this.#state === 'over') return;
    this.seen.hungUpBy = 'caller';
    this.#over();
    this.#listener({ type: 'hangup', cause });
  }

  #over(): void {
    if (this.#state !== 'over') {
      this.#state = 'over';
      this.#recorder?.save(this.clock.now());
      this.#recorder = null;
      this.media.close();
      this.clock.close();
      // The transaction may still retransmit (until its ACK); forget the call after that.
      // Our requests still waiting for answers (the BYE) keep it known until they have them.
      const forget = () => {
        if (this.#pending.size) return void setTimeout(forget, 100).unref();
        this.#stopRetransmit();
        this.#d.onOver();
      };
      setTimeout(forget, this.#retransmit ? TIMER_H : 0).unref();
    }
  }

  #respond(status: number, o: { reason?: string; headers?: [string, string][]; body?: string; untilAck?: boolean } = {}): void {
    const res = responseTo(this.#d.invite, status, o.reason ?? REASONS[status] ?? '', { toTag: status > 100 ? this.#toTag : undefined, headers: o.headers, body: o.body });
    if (status >= 200) this.seen.finalStatus = status;
    this.#lastResponse = res;
    this.#d.transport.send(res, this.#d.source);
    if (o.untilAck) {
      this.#stopRetransmit();
      let interval = T1;
      let waited = 0;
      let timer: NodeJS.Timeout;
      const again = () => {
        timer = setTimeout(() => {
          waited += interval;
          if (waited >= TIMER_H) {
            this.#retransmit = null;
            // No ACK for our 200 OK: the caller is gone.
            if (status === 200 && this.#state === 'answered') {
              this.#callerGone('no-ack');
              void this.#sendBye();
            }
            return;
          }
          this.#d.transport.send(res, this.#d.source);
          interval = Math.min(interval * 2, T2);
          again();
        }, interval);
      };
      again();
      this.#retransmit = () => clearTimeout(timer);
    }
  }

  #stopRetransmit(): void {
    this.#retransmit?.();
    this.#retransmit = null;
  }

  /** BYE within the dialog, retransmitted until answered (at most 2 s waited here). */
  async #sendBye(): Promise<void> {
    await this.#sendInDialog('BYE', [], 2_000);
  }

  /** A request within the caller's dialog, retransmitted until its final response (null after `maxMs`). */
  #sendInDialog(method: string, extra: [string, string][], maxMs: number): Promise<SipMessage | null> {
    const inv = this.#d.invite;
    const t = this.#d.transport;
    const target = uriOf(header(inv, 'contact')) || uriOf(header(inv, 'from'));
    const to = this.#d.source;
    const routes = headers(inv, 'record-route').reverse();
    const seq = this.#localCseq++;
    const req: SipMessage = {
      method,
      uri: target,
      headers: [
        ['via', `SIP/2.0/UDP ${t.address}:${t.port};branch=z9hG4bK${randomBytes(8).toString('hex')};rport`],
        ['max-forwards', '70'],
        ['from', `${header(inv, 'to')};tag=${this.#toTag}`],
        ['to', header(inv, 'from') ?? ''],
        ['call-id', this.call.callId],
        ['cseq', `${seq} ${method}`],
        ['contact', `<sip:${this.call.to || 'scriptforge'}@${t.address}:${t.port}>`],
        ...routes.map((r): [string, string] => ['route', r]),
        ...extra,
        ...this.#extraHeaders,
      ],
      body: '',
    };
    // Without a Record-Route, to the Contact's address; on loose routing, the source it came from.
    const dest = routes.length ? to : (() => {
      const hp = hostPortOf(target);
      return hp.host ? { address: hp.host, port: hp.port } : to;
    })();
    return nonInviteRequest(() => t.send(req, dest), seq, this.#pending, maxMs);
  }
}
