/**
 * What every ctx operation is (one file each in this folder, like jambonz's tasks): it checks the
 * guest's arguments, says whether it runs alone (lockstep) and in which state of the call, and runs
 * against the call (`OpContext`, the session) and its backend.
 */
import type { CallBackend } from '../backend.js';
import type { DigitQueue } from '../digits.js';
import type { EventFeed, Waits } from '../events.js';
import { isDtmf } from '../media/dtmf.js';
import type { TimelineEntry } from '../timeline.js';

export type CallState = 'ringing' | 'answered' | 'ended';
/** Who ended the call: the caller, the script (hangup, reject), a bridge or transfer that ended it, a limit, or the platform (main settled, the script failed). */
export type EndedBy = 'caller' | 'script' | 'bridge' | 'transfer' | 'limit' | 'platform';
/** How the far end learns that the call ended: a BYE (or a refusal before answer), a given refusal, or not at all (it knows). */
export type EndHow = 'hangup' | 'none' | { sipCode: number; reason: string };

/** The call, as an operation sees it. */
export interface OpContext {
  readonly backend: CallBackend;
  readonly state: CallState;
  /** Aborts when the call ends. */
  readonly signal: AbortSignal;
  readonly maxCallMs: number;
  /** Operations waiting for digits (waitFor), and the events ctx.js long-polls for. */
  readonly waits: Waits;
  readonly feed: EventFeed;
  now(): number;
  /** `p`, or a CallEnded rejection as soon as the call ends. */
  guard<T>(p: Promise<T>): Promise<T>;
  /** Waits `ms` on the call's clock (CallEnded if the call ends first). */
  sleep(ms: number): Promise<void>;
  /** The digits the caller presses from now on, until closed. */
  digits(): DigitQueue;
  /** Resolves when the call ends (at once if it has). */
  whenEnded(): Promise<void>;
  /** The call was answered. */
  answered(): void;
  end(by: EndedBy, reason: string, how?: EndHow): Promise<void>;
  /** Adds an event to the timeline (returned, to fill in later). */
  event(name: string, fields?: Record<string, unknown>): TimelineEntry | null;
}

export interface Operation<A extends object = Record<string, unknown>> {
  /** Checks the guest's (untrusted, JSON) arguments; returns them named, as the timeline shows them. */
  parse(args: unknown[]): A;
  /** One at a time, in lockstep with the script. False for settings, waitFor and ctx.js's own. */
  exclusive: boolean;
  /** The call must be answered (media, bridge, transfer) or not yet (reject). */
  needs?: 'answered' | 'ringing';
  /** Settings and logs still run once the call has ended (they change nothing then); the rest reject with CallEnded. */
  afterEnd?: 'run';
  /** ctx.js's own plumbing: not on the timeline. */
  internal?: boolean;
  run(call: OpContext, a: A): Promise<unknown>;
}

// --- argument checks: messages name the operation and the argument, as the customer wrote them ---

export function str(v: unknown, what: string, o: { max?: number; pattern?: RegExp; hint?: string } = {}): string {
  if (typeof v !== 'string' || v.length === 0) throw new TypeError(`${what} must be a non-empty string, not ${shown(v)}`);
  if (v.length > (o.max ?? 256)) throw new RangeError(`${what} is longer than ${o.max ?? 256} characters`);
  if (o.pattern && !o.pattern.test(v)) throw new TypeError(`${what} ${o.hint ?? 'is not valid'}: ${shown(v)}`);
  return v;
}

export function optionalStr(v: unknown, what: string, o: { max?: number } = {}): string | undefined {
  return v === undefined || v === null || v === '' ? undefined : str(v, what, o);
}

export function num(v: unknown, what: string, o: { min: number; max: number; int?: boolean; dflt?: number }): number {
  if ((v === undefined || v === null) && o.dflt !== undefined) return o.dflt;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${what} must be a number, not ${shown(v)}`);
  if (o.int && !Number.isInteger(v)) throw new TypeError(`${what} must be a whole number, not ${v}`);
  if (v < o.min || v > o.max) throw new RangeError(`${what} must be between ${o.min} and ${o.max}, not ${v}`);
  return v;
}

export function dtmf(v: unknown, what: string, o: { max?: number; allowEmpty?: boolean } = {}): string {
  if (o.allowEmpty && v === '') return '';
  if (typeof v !== 'string' || !isDtmf(v)) throw new TypeError(`${what} must be DTMF digits (0-9, *, #, A-D), not ${shown(v)}`);
  if (v.length > (o.max ?? 64)) throw new RangeError(`${what} has more than ${o.max ?? 64} digits`);
  return v;
}

export function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}…` : v);
  if (v === null || typeof v !== 'object') return String(v);
  return Array.isArray(v) ? 'an array' : 'an object';
}
