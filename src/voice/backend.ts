/**
 * The telephony side of a call, as the call session drives it: one implementation per way of
 * reaching a caller (the simulator in ./simulator; the SIP user agent with RTP media next). The
 * session runs one ctx operation at a time against it, and composes the rest (ivr, waitFor,
 * sleep, waitForHangup) from these primitives and the backend's clock, so that every backend
 * behaves the same.
 *
 * Rules for implementations:
 * - a media primitive (play, tts, echo, sendDtmf, bridge, transfer) stops when its `signal` aborts
 *   (a digit barged in, the call ended) and then resolves with what it did, never rejects for that;
 * - events from the far end go to the one listener: a digit the caller pressed, the caller hanging
 *   up (never for a hangup the session asked for), a B-leg's progress, changed channel variables;
 * - every time is on `clock`, which the session also uses for its own timeouts.
 */
import type { AudioFiles } from './audio.js';

/** The call as it arrived. */
export interface IncomingCall {
  /** Unique per call (the SIP Call-ID); the script sees it as process.env.CORRELATION_ID. */
  callId: string;
  /** Caller and dialled number (user parts). */
  from: string;
  to: string;
  /** Channel variables, read with ctx.get(): sip_from_user, sip_to_user, destination_number... */
  variables: Record<string, string>;
  /** SIP headers of the INVITE, names lower-case: ctx.header('X-Customer-ID'). */
  headers: Record<string, string>;
}

export type BridgeStatus = 'completed' | 'busy' | 'no-answer' | 'failed';
/** How a B-leg went: `completed` when it was answered (then ended), else why it was not. */
export interface BridgeResult {
  status: BridgeStatus;
  sipCode: number;
  /** Time connected, from the B-leg's answer to its end. */
  durationMs: number;
}

export interface TransferResult {
  /** accepted: the far end took the REFER and the call left us; failed: it did not (the call goes on). */
  status: 'accepted' | 'failed';
  sipCode: number;
}

export interface TtsOptions {
  /** Speaking rate in words per minute (default 150). */
  rate?: number;
  /** A voice name, such as 'en-us' or 'en-gb'. */
  voice?: string;
}

export type BackendEvent =
  /** The caller pressed a digit; `relayed`: while bridged, whether it went on to the B-leg (blockDtmf). */
  | { type: 'dtmf'; digit: string; relayed?: boolean }
  /** The caller hung up. */
  | { type: 'hangup'; cause: string }
  /** A B-leg (bridge) or transfer target progressed. */
  | { type: 'leg'; destination: string; state: 'ringing' | 'answered' | 'failed' | 'ended'; sipCode?: number }
  /** Channel variables the call changed (the script's ctx.get sees them after its next operation). */
  | { type: 'variables'; values: Record<string, string> };

/** Time on the call: milliseconds since the call arrived. */
export interface CallClock {
  now(): number;
  /** Calls `fn` after `ms` on this clock; returns a function that cancels it. */
  after(ms: number, fn: () => void): () => void;
}

export interface CallBackend {
  readonly call: IncomingCall;
  readonly clock: CallClock;
  /** Where prompts and uploads are found: play() fails with its AudioNotFoundError for a missing file. */
  readonly audio: AudioFiles;
  /** The session's listener for events from the far end (one). */
  listen(fn: (e: BackendEvent) => void): void;

  answer(): Promise<void>;
  /** Refuses the unanswered call with a SIP final response. */
  reject(sipCode: number, reason: string): Promise<void>;
  /** Ends the call from our side (BYE; before answer, a refusal). */
  hangup(): Promise<void>;

  /** Plays a WAV (`ivr/...` stock prompt, `user/...` upload); resolves with the milliseconds played. */
  play(file: string, signal: AbortSignal): Promise<{ ms: number }>;
  tts(text: string, opts: TtsOptions, signal: AbortSignal): Promise<{ ms: number }>;
  /** Sends the caller's audio back to them, `delayMs` late, until `signal` aborts. */
  echo(delayMs: number, signal: AbortSignal): Promise<void>;
  /** Sends digits to the caller (RFC 4733); resolves once all were sent. */
  sendDtmf(digits: string, signal: AbortSignal): Promise<void>;
  /** From now on, these digits of the caller do not reach a bridged B-leg. */
  blockDtmf(digits: string): void;
  /** Calls `destination` and connects it; resolves when that B-leg ends or fails. */
  bridge(destination: string, signal: AbortSignal): Promise<BridgeResult>;
  /** Starts recording the call (until it ends), as `name`. */
  record(name: string): Promise<void>;
  /** Asks the caller's side to call `target` instead (SIP REFER). */
  transfer(target: string, signal: AbortSignal): Promise<TransferResult>;
  setVariable(key: string, value: string): void;
  /** A SIP header for the messages still to come (the answer, a B-leg's INVITE, the BYE). */
  setHeader(name: string, value: string): void;

  /**
   * The session's hint: true while the script only waits for the call (no turn running, no other
   * I/O, no timer of its own); a simulator may then skip ahead to its next event. Real backends
   * ignore it.
   */
  scriptWaiting?(waiting: boolean): void;
  /** Releases what the call holds, once it has ended. */
  close(): void;
}
