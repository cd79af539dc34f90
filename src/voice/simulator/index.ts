/**
 * The simulator backend: a scripted caller instead of a phone, for tests, `scriptforge call` and
 * the IDE. The caller presses digits at given times after the answer and may hang up (or, live, when
 * told: press() and hangUpNow(), for the IDE's keypad, with `realtime`); prompts last
 * as long as their WAV files (the same files, and the same AudioNotFoundError, as on a real call),
 * speech as long as it takes to say; destinations of bridge and transfer answer, ring or fail as
 * scripted. Time is simulated (see clock.ts): no waiting for a prompt to end.
 *
 * @example
 *   const call = new SimulatedCall({ audio: new AudioDir('./data/audio'), caller: { dtmf: parseDigits('1@1500'), hangupAfterMs: 20_000 } });
 *   const outcome = await runCall(engine, { code, backend: call });
 */
import { randomUUID } from 'node:crypto';
import type { AudioFiles } from '../audio.js';
import type { BackendEvent, BridgeResult, BridgeStatus, CallBackend, IncomingCall, TransferResult, TtsOptions } from '../backend.js';
import { dtmfMs, isDtmf } from '../media/dtmf.js';
import { speechMs } from '../media/speech.js';
import { DIGIT_SPACING_MS, type Destination, type ScriptedDigit } from './caller.js';
import { SimClock } from './clock.js';

export { parseDestination, parseDigits, DIGIT_SPACING_MS, type Destination, type ScriptedDigit } from './caller.js';
export { SimClock } from './clock.js';

export interface SimulatedCaller {
  /** Caller and dialled numbers (defaults 441632960001 and 441632960999). */
  from?: string;
  to?: string;
  /** SIP headers of the INVITE (X-Customer-ID...). */
  headers?: Record<string, string>;
  /** More channel variables. */
  variables?: Record<string, string>;
  /** Digits pressed, in ms after the answer. */
  dtmf?: ScriptedDigit[];
  /** The caller hangs up this long after the answer (default: never; the script or the maximum duration ends the call). */
  hangupAfterMs?: number;
}

export interface SimulatorOptions {
  audio: AudioFiles;
  caller?: SimulatedCaller;
  /** How destinations of bridge and transfer behave, by destination; others answer after 1 s and talk 30 s. */
  destinations?: Record<string, Destination>;
  /** Simulated time is real time (no skipping ahead while the script waits): for demos. */
  realtime?: boolean;
}

const DEFAULT_DESTINATION: Required<Omit<Destination, 'sipCode'>> = { ringMs: 1000, talkMs: 30_000 };

/** What the simulated far end saw: for tests and the CLI. */
export interface SimulatorRecord {
  answeredAt: number | null;
  /** Our refusal of the unanswered call. */
  rejected: { sipCode: number; reason: string } | null;
  hungUpBy: 'caller' | 'us' | null;
  recordings: { name: string; startMs: number; endMs: number | null }[];
  variables: Record<string, string>;
  headers: Record<string, string>;
  /** Digits the script sent to the caller. */
  sentDigits: string;
}

export class SimulatedCall implements CallBackend {
  readonly call: IncomingCall;
  readonly clock: SimClock;
  readonly audio: AudioFiles;
  /** What the far end saw. */
  readonly seen: SimulatorRecord = {
    answeredAt: null, rejected: null, hungUpBy: null, recordings: [], variables: {}, headers: {}, sentDigits: '',
  };
  readonly #caller: SimulatedCaller;
  readonly #destinations: Record<string, Destination>;
  #listener: (e: BackendEvent) => void = () => {};
  readonly #callerTimers: (() => void)[] = [];
  #over = false;
  #blocked = '';
  #bridged = false;

  constructor(o: SimulatorOptions) {
    this.audio = o.audio;
    this.clock = new SimClock(!o.realtime);
    this.#caller = o.caller ?? {};
    this.#destinations = o.destinations ?? {};
    const from = this.#caller.from ?? '441632960001';
    const to = this.#caller.to ?? '441632960999';
    const callId = `sim-${randomUUID()}`;
    const headers = Object.fromEntries(Object.entries(this.#caller.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
    this.call = {
      callId, from, to, headers,
      variables: {
        sip_from_user: from, sip_to_user: to, caller_id_number: from, destination_number: to,
        sip_call_id: callId, uuid: callId, ...this.#caller.variables,
      },
    };
  }

  listen(fn: (e: BackendEvent) => void): void {
    this.#listener = fn;
  }

  scriptWaiting(waiting: boolean): void {
    this.clock.waiting(waiting);
  }

  async answer(): Promise<void> {
    if (this.#over || this.seen.answeredAt !== null) return;
    this.seen.answeredAt = this.clock.now();
    for (const d of this.#caller.dtmf ?? []) this.#callerTimers.push(this.clock.after(d.atMs, () => this.#press(d.digit)));
    const h = this.#caller.hangupAfterMs;
    if (h !== undefined) this.#callerTimers.push(this.clock.after(h, () => this.#callerHangsUp()));
  }

  async reject(sipCode: number, reason: string): Promise<void> {
    this.seen.rejected = { sipCode, reason };
    this.#end();
  }

  async hangup(): Promise<void> {
    if (this.#over) return;
    this.seen.hungUpBy = 'us';
    this.#end();
  }

  async play(file: string, signal: AbortSignal): Promise<{ ms: number }> {
    const { durationMs } = this.audio.info(file);
    return { ms: await this.#delay(durationMs, signal) };
  }

  async tts(text: string, opts: TtsOptions, signal: AbortSignal): Promise<{ ms: number }> {
    return { ms: await this.#delay(speechMs(text, opts.rate), signal) };
  }

  echo(_delayMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  async sendDtmf(digits: string, signal: AbortSignal): Promise<void> {
    const ms = await this.#delay(dtmfMs(digits), signal);
    this.seen.sentDigits += digits.slice(0, Math.round(ms / dtmfMs('0')));
  }

  blockDtmf(digits: string): void {
    this.#blocked = digits;
  }

  async bridge(destination: string, signal: AbortSignal): Promise<BridgeResult> {
    const d = { ...DEFAULT_DESTINATION, ...(this.#destinations[destination] ?? {}) };
    this.#listener({ type: 'leg', destination, state: 'ringing' });
    await this.#delay(d.ringMs, signal);
    if (signal.aborted) return { status: 'failed', sipCode: 487, durationMs: 0 };
    if (d.sipCode !== undefined && d.sipCode >= 300) {
      this.#listener({ type: 'leg', destination, state: 'failed', sipCode: d.sipCode });
      return { status: statusOf(d.sipCode), sipCode: d.sipCode, durationMs: 0 };
    }
    this.#listener({ type: 'leg', destination, state: 'answered', sipCode: 200 });
    this.#bridged = true;
    const talked = await this.#delay(d.talkMs, signal);
    this.#bridged = false;
    if (!signal.aborted) this.#listener({ type: 'leg', destination, state: 'ended' });
    return { status: 'completed', sipCode: 200, durationMs: talked };
  }

  async record(name: string): Promise<void> {
    this.seen.recordings.push({ name, startMs: Math.round(this.clock.now()), endMs: null });
  }

  async transfer(target: string, signal: AbortSignal): Promise<TransferResult> {
    const d = this.#destinations[target] ?? {};
    await this.#delay(50, signal); // REFER, 202 Accepted
    if (d.sipCode !== undefined && d.sipCode >= 300) return { status: 'failed', sipCode: d.sipCode };
    if (!signal.aborted) {
      this.seen.hungUpBy = 'us';
      this.#end();
    }
    return { status: 'accepted', sipCode: 202 };
  }

  setVariable(key: string, value: string): void {
    this.seen.variables[key] = value;
  }

  setHeader(name: string, value: string): void {
    this.seen.headers[name] = value;
  }

  close(): void {
    this.#end();
    this.clock.close();
  }

  /** Where the call is: not answered yet, answered, or over. */
  get state(): 'ringing' | 'answered' | 'over' {
    return this.#over ? 'over' : this.seen.answeredAt === null ? 'ringing' : 'answered';
  }

  /**
   * A live caller presses `digits` now (one every DIGIT_SPACING_MS), as well as any scripted ones:
   * for a simulator driven by a person (the IDE's keypad). False, and nothing pressed, unless the
   * call is answered and not over (there is no audio to carry DTMF before the answer).
   */
  press(digits: string): boolean {
    if (!isDtmf(digits)) throw new TypeError(`'${digits}' is not DTMF digits (0-9, *, #, A-D)`);
    if (this.state !== 'answered') return false;
    [...digits].forEach((digit, i) => this.#callerTimers.push(this.clock.after(i * DIGIT_SPACING_MS, () => this.#press(digit))));
    return true;
  }

  /** A live caller hangs up now. False when the call was already over. */
  hangUpNow(): boolean {
    if (this.#over) return false;
    this.#callerHangsUp();
    return true;
  }

  #press(digit: string): void {
    if (this.#over) return;
    this.#listener({ type: 'dtmf', digit, ...(this.#bridged ? { relayed: !this.#blocked.includes(digit) } : {}) });
  }

  #callerHangsUp(): void {
    if (this.#over) return;
    this.seen.hungUpBy = 'caller';
    this.#end();
    this.#listener({ type: 'hangup', cause: 'caller' });
  }

  #end(): void {
    if (this.#over) return;
    this.#over = true;
    for (const cancel of this.#callerTimers.splice(0)) cancel();
    const now = Math.round(this.clock.now());
    for (const r of this.seen.recordings) r.endMs ??= now;
  }

  /** Waits `ms` of simulated time, or less when `signal` aborts; resolves with the time waited. */
  #delay(ms: number, signal: AbortSignal): Promise<number> {
    return new Promise((resolve) => {
      const start = this.clock.now();
      if (signal.aborted) return resolve(0);
      const onAbort = () => {
        cancel();
        resolve(Math.round(this.clock.now() - start));
      };
      const cancel = this.clock.after(ms, () => {
        signal.removeEventListener('abort', onAbort);
        resolve(ms);
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function statusOf(sipCode: number): BridgeStatus {
  if (sipCode === 486 || sipCode === 600) return 'busy';
  if (sipCode === 408 || sipCode === 480 || sipCode === 487) return 'no-answer';
  return 'failed';
}
