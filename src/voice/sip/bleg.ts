/**
 * A B-leg: ScriptForge as the UAC of an outgoing call (ctx.bridge). The INVITE client transaction
 * (retransmitted until a response, Timer B), 1xx as ringing, the ACK of a 2xx (again for each
 * retransmitted 2xx) or of a failure, CANCEL when the ring times out or the A-leg goes, and the
 * dialog after the answer: our BYE, or the far end's BYE (the leg ended).
 */
import { randomBytes } from 'node:crypto';
import { cseq, header, headers, hostPortOf, param, responseTo, uriOf, type SipMessage } from './message.js';
import { parseSdp, type MediaOffer } from './sdp.js';
import { nonInviteRequest, T1, T2 } from './timers.js';

export type Addr = { address: string; port: number };

/** What a B-leg needs of the user agent: its socket, and the messages of the leg's Call-ID. */
export interface LegTransport {
  readonly address: string;
  readonly port: number;
  send(m: SipMessage, to: Addr): void;
  /** Routes the requests and responses of `callId` to `handler` until the returned function is called. */
  route(callId: string, handler: { onRequest(m: SipMessage, from: Addr): void; onResponse(m: SipMessage): void }): () => void;
}

export interface InviteOutcome {
  /** The final status (408 when nothing answered, or the ring timed out; 487 when we cancelled). */
  sipCode: number;
  /** The answer's media (2xx). */
  answer?: MediaOffer;
  /** We gave up ringing (timeout), rather than the far end refusing. */
  timedOut?: boolean;
}

const TIMER_B = 32_000;

/**
 * A destination as a SIP URI and where to send: `sip:200@127.0.0.2:5070`, `200@host[:port]`;
 * a bare number goes to SCRIPTFORGE_SIP_GATEWAY (host[:port]) when set. Null when it cannot be reached.
 */
export function resolveDestination(destination: string, gateway = process.env.SCRIPTFORGE_SIP_GATEWAY): { uri: string; to: Addr } | null {
  let uri = destination;
  if (!/^sips?:/i.test(uri)) {
    if (uri.includes('@')) uri = `sip:${uri}`;
    else if (gateway && /^\+?[0-9A-Za-z*#._-]+$/.test(uri)) uri = `sip:${uri}@${gateway}`;
    else return null;
  }
  if (/^sips:/i.test(uri)) return null; // TLS is not supported
  const hp = hostPortOf(uri);
  if (!hp.host) return null;
  return { uri, to: { address: hp.host, port: hp.port } };
}

export class BLeg {
  readonly callId: string;
  /** The dialog has ended (either side's BYE, or a failure). */
  readonly ended: Promise<'remote' | 'local'>;
  readonly #t: LegTransport;
  readonly #uri: string;
  readonly #to: Addr;
  readonly #fromTag = randomBytes(6).toString('hex');
  readonly #branch = `z9hG4bK${randomBytes(8).toString('hex')}`;
  readonly #fromUser: string;
  readonly #extra: [string, string][];
  #cseq = 1;
  #invite: SipMessage | null = null;
  #state: 'calling' | 'proceeding' | 'confirmed' | 'over' = 'calling';
  #remoteTo = '';
  #target = '';
  #targetAddr: Addr;
  #routes: string[] = [];
  #ack: SipMessage | null = null;
  #unroute: () => void;
  #timers: NodeJS.Timeout[] = [];
  #outcome: (o: InviteOutcome) => void = () => {};
  #ringing: () => void = () => {};
  #endedBy: (by: 'remote' | 'local') => void = () => {};
  readonly #waiting = new Map<number, (m: SipMessage) => void>();

  constructor(o: { transport: LegTransport; uri: string; to: Addr; fromUser: string; headers?: [string, string][] }) {
    this.#t = o.transport;
    this.#uri = o.uri;
    this.#to = o.to;
    this.#targetAddr = o.to;
    this.#fromUser = o.fromUser.replace(/[^A-Za-z0-9+*#._-]/g, '') || 'scriptforge';
    this.#extra = o.headers ?? [];
    this.callId = `${randomBytes(10).toString('hex')}@${o.transport.address}`;
    this.ended = new Promise((r) => (this.#endedBy = r));
    this.#unroute = o.transport.route(this.callId, { onRequest: (m, from) => this.#onRequest(m, from), onResponse: (m) => this.#onResponse(m) });
  }

  /** Sends the INVITE with `sdp`; resolves with the final outcome (after `ringMs`, CANCEL and 408). */
  invite(sdp: string, o: { ringMs: number; onRinging: () => void; signal: AbortSignal }): Promise<InviteOutcome> {
    const t = this.#t;
    this.#ringing = once(o.onRinging);
    const inv: SipMessage = {
      method: 'INVITE',
      uri: this.#uri,
      headers: [
        ['via', `SIP/2.0/UDP ${t.address}:${t.port};branch=${this.#branch};rport`],
        ['max-forwards', '70'],
        ['from', `<sip:${this.#fromUser}@${t.address}>;tag=${this.#fromTag}`],
        ['to', `<${this.#uri}>`],
        ['call-id', this.callId],
        ['cseq', `${this.#cseq++} INVITE`],
        ['contact', `<sip:scriptforge@${t.address}:${t.port}>`],
        ['allow', 'INVITE, ACK, BYE, CANCEL, OPTIONS, INFO'],
        ['user-agent', 'ScriptForge'],
        ['content-type', 'application/sdp'],
        ...this.#extra,
      ],
      body: sdp,
    };
    this.#invite = inv;
    return new Promise<InviteOutcome>((resolve) => {
      const onAbort = () => void this.#cancel(487);
      this.#outcome = (out) => {
        this.#outcome = () => {};
        o.signal.removeEventListener('abort', onAbort);
        clearTimeout(ring);
        resolve(out);
      };
      if (o.signal.aborted) return this.#finish({ sipCode: 487 });
      o.signal.addEventListener('abort', onAbort, { once: true });
      // Timer A: retransmit until a response; Timer B: give up.
      let interval = T1;
      const again = () => {
        if (this.#state !== 'calling') return;
        t.send(inv, this.#to);
        this.#later(() => {
          interval = Math.min(interval * 2, T2);
          again();
        }, interval);
      };
      again();
      this.#later(() => {
        if (this.#state === 'calling') this.#finish({ sipCode: 408, timedOut: true });
      }, TIMER_B);
      const ring = setTimeout(() => void this.#cancel(408), o.ringMs);
    });
  }

  /** Ends the answered leg with BYE (retransmitted, at most 2 s waited); before the answer, CANCEL. */
  async hangup(): Promise<void> {
    if (this.#state === 'calling' || this.#state === 'proceeding') return this.#cancel(487);
    if (this.#state !== 'confirmed') return;
    this.#state = 'over';
    this.#endedBy('local');
    const seq = this.#cseq++;
    await this.#request(this.#inDialog('BYE', seq, this.#extra), seq, 2_000);
    this.close();
  }

  /** Forgets the leg (after its last retransmissions). */
  close(): void {
    if (this.#state !== 'over') {
      this.#state = 'over';
      this.#endedBy('local');
    }
    for (const x of this.#timers) clearTimeout(x);
    this.#timers = [];
    // Keep acknowledging a retransmitted final response for a while.
    setTimeout(() => this.#unroute(), 5_000).unref();
  }

  #later(fn: () => void, ms: number): void {
    this.#timers.push(setTimeout(fn, ms));
  }

  #finish(out: InviteOutcome): void {
    if (this.#state === 'calling' || this.#state === 'proceeding') this.#state = 'over';
    this.#outcome(out);
    if (this.#state === 'over') {
      this.#endedBy('local');
      this.close();
    }
  }

  /** CANCEL the ringing INVITE; the outcome is `code` (the 487 is only acknowledged). */
  async #cancel(code: number): Promise<void> {
    if (this.#state !== 'calling' && this.#state !== 'proceeding') return;
    const inv = this.#invite!;
    const seq = cseq(inv).seq;
    const cancel: SipMessage = {
      method: 'CANCEL',
      uri: this.#uri,
      headers: [
        ['via', header(inv, 'via')!],
        ['max-forwards', '70'],
        ['from', header(inv, 'from')!],
        ['to', header(inv, 'to')!],
        ['call-id', this.callId],
        ['cseq', `${seq} CANCEL`],
      ],
      body: '',
    };
    const answered = new Promise<void>((r) => this.#waiting.set(-seq, () => r()));
    this.#t.send(cancel, this.#to);
    this.#finish({ sipCode: code, timedOut: code === 408 });
    await Promise.race([answered, new Promise((r) => setTimeout(r, 500))]);
  }

  /** A request in the dialog (ACK, BYE): to its target, through its route set, with a new branch. */
  #inDialog(method: string, seq: number, extra: [string, string][]): SipMessage {
    const t = this.#t;
    return {
      method,
      uri: this.#target,
      headers: [
        ['via', `SIP/2.0/UDP ${t.address}:${t.port};branch=z9hG4bK${randomBytes(8).toString('hex')};rport`],
        ['max-forwards', '70'],
        ['from', `<sip:${this.#fromUser}@${t.address}>;tag=${this.#fromTag}`],
        ['to', this.#remoteTo],
        ['call-id', this.callId],
        ['cseq', `${seq} ${method}`],
        ...this.#routes.map((r): [string, string] => ['route', r]),
        ...extra,
      ],
      body: '',
    };
  }

  /** A non-INVITE request, retransmitted until its final response (or `maxMs`). */
  #request(m: SipMessage, seq: number, maxMs: number): Promise<SipMessage | null> {
    return nonInviteRequest(() => this.#t.send(m, this.#targetAddr), seq, this.#waiting, maxMs);
  }

  #onResponse(m: SipMessage): void {
    const c = cseq(m);
    const status = m.status ?? 0;
    if (c.method === 'CANCEL') return this.#waiting.get(-c.seq)?.(m);
    if (c.method !== 'INVITE') {
      if (status >= 200) this.#waiting.get(c.seq)?.(m);
      return;
    }
    if (status < 200) {
      if (this.#state === 'calling') this.#state = 'proceeding';
      if (status > 100) this.#ringing();
      return;
    }
    if (status < 300) {
      if (this.#ack) return this.#t.send(this.#ack, this.#targetAddr); // a retransmitted 2xx
      this.#remoteTo = header(m, 'to') ?? `<${this.#uri}>`;
      this.#target = uriOf(header(m, 'contact')) || this.#uri;
      this.#routes = headers(m, 'record-route').reverse();
      const hp = hostPortOf(this.#routes.length ? uriOf(this.#routes[0]) : this.#target);
      this.#targetAddr = hp.host ? { address: hp.host, port: hp.port } : this.#to;
      this.#ack = this.#inDialog('ACK', c.seq, []);
      this.#t.send(this.#ack, this.#targetAddr);
      const answer = parseSdp(m.body) ?? undefined;
      if (this.#state === 'over') {
        // Answered after we gave up (a CANCEL crossed the 200): end it at once.
        this.#state = 'confirmed';
        void this.hangup();
        return;
      }
      this.#state = 'confirmed';
      this.#outcome({ sipCode: status, answer });
      return;
    }
    // A failure: ACK it (same branch), every time it comes.
    const inv = this.#invite!;
    this.#t.send({
      method: 'ACK',
      uri: this.#uri,
      headers: [['via', header(inv, 'via')!], ['max-forwards', '70'], ['from', header(inv, 'from')!], ['to', header(m, 'to') ?? header(inv, 'to')!], ['call-id', this.callId], ['cseq', `${c.seq} ACK`]],
      body: '',
    }, this.#to);
    this.#finish({ sipCode: status });
  }

  #onRequest(m: SipMessage, from: Addr): void {
    const t = this.#t;
    switch (m.method) {
      case 'ACK':
        return;
      case 'BYE':
        t.send(responseTo(m, 200, 'OK'), from);
        if (this.#state === 'confirmed') {
          this.#state = 'over';
          this.#endedBy('remote');
          this.close();
        }
        return;
      case 'INVITE':
        // A re-INVITE: keep the media as it is.
        t.send(responseTo(m, this.#state === 'confirmed' ? 488 : 481, this.#state === 'confirmed' ? 'Not Acceptable Here' : 'Call/Transaction Does Not Exist', { toTag: param(header(m, 'to'), 'tag') ? undefined : this.#fromTag }), from);
        return;
      default:
        t.send(responseTo(m, 200, 'OK'), from);
    }
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      fn();
    }
  };
}

/** A B-leg's failure as the bridge reports it (as the simulator does). */
export function bridgeStatus(sipCode: number): 'busy' | 'no-answer' | 'failed' {
  if (sipCode === 486 || sipCode === 600) return 'busy';
  if (sipCode === 408 || sipCode === 480 || sipCode === 487) return 'no-answer';
  return 'failed';
}
