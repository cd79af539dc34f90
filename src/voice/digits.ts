/** The caller's digits as one operation collects them (ivr): queued in order, taken one at a time. */
import type { CallClock } from './backend.js';

export class DigitQueue {
  readonly #queue: string[] = [];
  #waiter: ((d: string | null) => void) | null = null;
  #onDigit: (() => void) | null = null;
  #closed = false;

  constructor(
    private readonly clock: CallClock,
    private readonly guard: <T>(p: Promise<T>) => Promise<T>,
    private readonly release: (q: DigitQueue) => void,
  ) {}

  get size(): number {
    return this.#queue.length;
  }

  push(digit: string): void {
    if (this.#closed) return;
    const w = this.#waiter;
    if (w) w(digit);
    else this.#queue.push(digit);
    this.#onDigit?.();
  }

  /** Calls `fn` at the next digit (barge-in); returns a function that stops listening. */
  onDigit(fn: () => void): () => void {
    this.#onDigit = fn;
    return () => {
      if (this.#onDigit === fn) this.#onDigit = null;
    };
  }

  /** The next digit, or null when none comes within `timeoutMs`; CallEnded when the call ends. */
  next(timeoutMs: number): Promise<string | null> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return this.guard(
      new Promise<string | null>((resolve) => {
        const done = (d: string | null) => {
          this.#waiter = null;
          cancel();
          resolve(d);
        };
        const cancel = this.clock.after(timeoutMs, () => done(null));
        this.#waiter = done;
      }),
    );
  }

  close(): void {
    this.#closed = true;
    this.#waiter = null;
    this.release(this);
  }
}
