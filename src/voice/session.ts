/**
 * One call, as a voice script drives it: the host side of the guest's `ctx`. It runs the script's
 * operations one at a time against a CallBackend (lockstep: ctx.js refuses a second one first;
 * this is the host's guard), fans the caller's digits out to whoever waits for them, ends the call
 * when the caller hangs up, a limit is reached or the script is done, and records it all on the
 * timeline.
 *
 * When the call ends, the operation in progress rejects with CallEnded (ivr reports 'hangup';
 * echo and waitForHangup resolve: the end is what they wait for) and every later one rejects at
 * once; settings and logs still go through.
 */
import type { ErrorInfo } from '../engine/index.js';
import type { BackendEvent, CallBackend } from './backend.js';
import { DigitQueue } from './digits.js';
import { CallEnded, CallStateError, LockstepError } from './errors.js';
import { EventFeed, Waits } from './events.js';
import { OPERATIONS, type CallState, type EndHow, type EndedBy, type OpContext } from './ops/index.js';
import { Timeline, callText, type TimelineEntry } from './timeline.js';

export interface SessionOptions {
  /** The longest the call may last, from its arrival: then it is hung up (a CallEnded for the script). */
  maxCallMs: number;
}

interface Running {
  /** As the customer wrote it: ctx.play('ivr/menu.wav'). */
  text: string;
}

export class CallSession implements OpContext {
  readonly backend: CallBackend;
  readonly timeline: Timeline;
  readonly maxCallMs: number;
  readonly waits = new Waits();
  readonly feed = new EventFeed();
  #state: CallState = 'ringing';
  #ended: { by: EndedBy; reason: string } | null = null;
  readonly #abort = new AbortController();
  readonly #collectors = new Set<DigitQueue>();
  readonly #endWaiters: (() => void)[] = [];
  #running: Running | null = null;
  #vars: Record<string, string> | null = null;
  #hangupDone: Promise<void> = Promise.resolve();
  readonly #cancelLimit: () => void;
  // What the simulator needs to know to skip ahead: is the script only waiting for the call?
  #guestTimers = false;
  #moduleOps = 0;
  #finished = false;
  #hinted = false;

  constructor(backend: CallBackend, o: SessionOptions) {
    this.backend = backend;
    this.maxCallMs = o.maxCallMs;
    this.timeline = new Timeline(() => backend.clock.now());
    backend.listen((e) => this.#onBackend(e));
    this.#cancelLimit = backend.clock.after(o.maxCallMs, () => {
      void this.end('limit', `the call reached its maximum duration of ${o.maxCallMs} ms`);
    });
  }

  get state(): CallState {
    return this.#state;
  }
  get signal(): AbortSignal {
    return this.#abort.signal;
  }
  /** How the call ended, once it has. */
  get ended(): { by: EndedBy; reason: string } | null {
    return this.#ended;
  }
  /** The operation running now, as the customer wrote it (ctx.play('ivr/menu.wav')). */
  get running(): string | null {
    return this.#running?.text ?? null;
  }
  /** What the guest's ctx starts with. */
  get guestCall(): { callId: string; variables: Record<string, string>; headers: Record<string, string> } {
    const c = this.backend.call;
    return { callId: c.callId, variables: c.variables, headers: c.headers };
  }

  // --- the guest's operations ----------------------------------------------------------------------

  /** The host handler of the pseudo-module 'ctx': answers `{v, vars?}` or rejects with the error the script sees. */
  async handle(method: string, args: unknown[]): Promise<unknown> {
    this.#setIdle(false); // it ran to ask
    const op = OPERATIONS.get(method);
    if (!op) throw new TypeError(`ctx.${method}() is not a call operation`);
    let entry: TimelineEntry | null = null;
    let mine: Running | null = null;
    try {
      let a: object;
      try {
        a = op.parse(args);
      } catch (err) {
        if (!op.internal) entry = this.timeline.op(method, { args });
        throw err;
      }
      if (!op.internal) entry = this.timeline.op(method, a as Record<string, unknown>);
      if (this.#ended && op.afterEnd !== 'run') throw this.callEnded();
      if (op.exclusive) {
        if (this.#running) throw new LockstepError(`${callText(method, args)} was called while ${this.#running.text} is still running`);
        mine = this.#running = { text: callText(method, args) };
      }
      if (op.needs === 'answered' && this.#state !== 'answered') {
        throw new CallStateError(`ctx.${method}() needs an answered call: call \`await ctx.answer()\` first`);
      }
      if (op.needs === 'ringing' && this.#state !== 'ringing') {
        throw new CallStateError(`ctx.${method}() is only possible before the call is answered: use ctx.hangup() to end it`);
      }
      const v = await op.run(this, a);
      if (!op.internal) this.timeline.finish(entry, { result: v });
      const vars = this.#vars;
      this.#vars = null;
      return vars ? { v: v ?? null, vars } : { v: v ?? null };
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      if (!op.internal) this.timeline.finish(entry, { error: e });
      throw e;
    } finally {
      if (mine && this.#running === mine) this.#running = null;
      this.#setIdle(false); // its answer wakes the guest
    }
  }

  /** Another module's operation (cxKV, fetch...): while one runs, the script is not only waiting for the call. */
  track<T>(p: Promise<T>): Promise<T> {
    this.#moduleOps++;
    this.#setIdle(false);
    const done = () => {
      this.#moduleOps--;
      this.#setIdle(false);
    };
    p.then(done, done);
    return p;
  }

  /** The engine's report: the guest waits (with or without timers of its own). */
  guestIdle(timers: boolean): void {
    this.#guestTimers = timers;
    this.#setIdle(true);
  }
  /** The engine's report: a result is on its way to the guest. */
  guestBusy(): void {
    this.#setIdle(false);
  }

  #setIdle(idle: boolean): void {
    const waiting = idle && !this.#guestTimers && this.#moduleOps === 0 && !this.#finished;
    if (waiting === this.#hinted) return;
    this.#hinted = waiting;
    this.backend.scriptWaiting?.(waiting);
  }

  // --- the call -----------------------------------------------------------------------------------

  now(): number {
    return this.backend.clock.now();
  }

  callEnded(): CallEnded {
    return new CallEnded(`The call has ended: ${this.#ended?.reason ?? 'it is over'}`);
  }

  guard<T>(p: Promise<T>): Promise<T> {
    if (this.#ended) {
      p.catch(() => {});
      return Promise.reject(this.callEnded());
    }
    return new Promise<T>((resolve, reject) => {
      const onEnd = () => reject(this.callEnded());
      this.signal.addEventListener('abort', onEnd, { once: true });
      p.then(
        (v) => {
          this.signal.removeEventListener('abort', onEnd);
          resolve(v);
        },
        (e: unknown) => {
          this.signal.removeEventListener('abort', onEnd);
          reject(e);
        },
      );
    });
  }

  sleep(ms: number): Promise<void> {
    return this.guard(
      new Promise<void>((resolve) => {
        const cancel = this.backend.clock.after(ms, () => {
          this.signal.removeEventListener('abort', cancel);
          resolve();
        });
        this.signal.addEventListener('abort', cancel, { once: true });
      }),
    );
  }

  digits(): DigitQueue {
    const q = new DigitQueue(this.backend.clock, (p) => this.guard(p), (x) => this.#collectors.delete(x));
    this.#collectors.add(q);
    return q;
  }

  whenEnded(): Promise<void> {
    if (this.#ended) return Promise.resolve();
    return new Promise((resolve) => this.#endWaiters.push(resolve));
  }

  answered(): void {
    if (this.#state === 'ringing') this.#state = 'answered';
  }

  event(name: string, fields: Record<string, unknown> = {}): TimelineEntry | null {
    return this.timeline.event(name, fields);
  }

  /**
   * Ends the call once (later calls change nothing): the timeline says who and why, the operation
   * in progress and every later one get CallEnded, listeners get the hang-up, and the far end is
   * told (`how`) unless it knows already.
   */
  end(by: EndedBy, reason: string, how: EndHow = 'hangup'): Promise<void> {
    if (this.#ended) return this.#hangupDone;
    this.#ended = { by, reason };
    const answered = this.#state === 'answered';
    this.#state = 'ended';
    this.#cancelLimit();
    this.timeline.event('hangup', { by, reason }, true);
    this.feed.push({ type: 'hangup', by, reason, t: Math.round(this.now()) });
    this.#abort.abort();
    for (const q of [...this.#collectors]) q.close();
    for (const w of this.#endWaiters.splice(0)) w();
    let told: Promise<void> = Promise.resolve();
    if (how !== 'none') {
      const refusal = typeof how === 'object' ? how : by === 'platform' && reason.startsWith('the script failed') ? { sipCode: 500, reason: 'Server Internal Error' } : { sipCode: 480, reason: 'Temporarily Unavailable' };
      told = answered ? this.backend.hangup() : this.backend.reject(refusal.sipCode, refusal.reason);
    }
    this.#hangupDone = told.catch((err: unknown) => {
      this.timeline.event('error', { message: `ending the call failed: ${(err as Error).message}` }, true);
    });
    return this.#hangupDone;
  }

  #onBackend(e: BackendEvent): void {
    switch (e.type) {
      case 'dtmf': {
        if (this.#ended) return;
        this.timeline.event('dtmf', { digit: e.digit, ...(e.relayed === undefined ? {} : { relayed: e.relayed }) });
        for (const q of this.#collectors) q.push(e.digit);
        this.feed.push({ type: 'dtmf', digit: e.digit, t: Math.round(this.now()), for: [...this.waits.keys()] });
        break;
      }
      case 'hangup':
        void this.end('caller', 'the caller hung up', 'none');
        break;
      case 'leg':
        this.timeline.event('leg', { destination: e.destination, state: e.state, ...(e.sipCode === undefined ? {} : { sipCode: e.sipCode }) });
        break;
      case 'variables':
        this.#vars = { ...this.#vars, ...e.values };
        break;
    }
  }

  /**
   * The script's execution is over: ends the call if it is still up (saying why) and tells whether
   * the call went well. A CallEnded the script did not catch is a normal end of the call, not its
   * failure; a call that reached its maximum duration failed with a TimeoutError.
   */
  async finish(error: ErrorInfo | undefined): Promise<{ ok: boolean; error?: ErrorInfo }> {
    this.#finished = true;
    this.#setIdle(false);
    if (!this.#ended) {
      const pending = this.#running ? ` while ${this.#running.text} was still running` : '';
      const reason = error ? `the script failed${pending}: ${error.name}: ${error.message}` : `main() returned${pending}`;
      await this.end('platform', reason);
    }
    await this.#hangupDone;
    this.backend.close();
    if (this.#ended?.by === 'limit') {
      return { ok: false, error: { name: 'TimeoutError', code: 'TIMEOUT', message: `The call reached its maximum duration of ${this.maxCallMs} ms and was hung up` } };
    }
    if (error && error.name === 'CallEnded') return { ok: true };
    return error ? { ok: false, error } : { ok: true };
  }
}
