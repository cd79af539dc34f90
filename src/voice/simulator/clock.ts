/**
 * The simulated call's clock. It runs with real time, so that whatever the script does (compute,
 * await its own timers or other I/O) takes as long as it really does; and while the script only
 * waits for the call, it jumps straight to the call's next event (a prompt's end, a digit, the
 * caller hanging up). Events therefore come in exactly the order a real call would produce, in a
 * fraction of the time. Timers fire one per turn of the event loop, so that what one of them sets
 * off (an operation resolving, the script waking) is known before the clock moves on.
 */
import type { CallClock } from '../backend.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

export class SimClock implements CallClock {
  #vBase = 0;
  #rBase = performance.now();
  readonly #timers: Timer[] = [];
  #seq = 0;
  #waiting = false;
  #stepQueued = false;
  #real: NodeJS.Timeout | null = null;
  #closed = false;

  /** `skip`: jump ahead while the script waits (false: simulated time is real time). */
  constructor(private readonly skip = true) {}

  now(): number {
    return this.#vBase + (performance.now() - this.#rBase);
  }

  after(ms: number, fn: () => void): () => void {
    const t: Timer = { at: this.now() + Math.max(0, ms), seq: ++this.#seq, fn };
    // Kept in order of time, then of creation.
    let i = this.#timers.length;
    while (i > 0 && this.#timers[i - 1].at > t.at) i--;
    this.#timers.splice(i, 0, t);
    this.#kick();
    return () => {
      const at = this.#timers.indexOf(t);
      if (at !== -1) this.#timers.splice(at, 1);
    };
  }

  /** The script only waits for the call (true), or it is running (false). */
  waiting(w: boolean): void {
    this.#waiting = w;
    if (w) this.#kick();
  }

  close(): void {
    this.#closed = true;
    this.#timers.length = 0;
    if (this.#real) clearTimeout(this.#real);
    this.#real = null;
  }

  #kick(): void {
    if (this.#stepQueued || this.#closed) return;
    this.#stepQueued = true;
    setImmediate(() => {
      this.#stepQueued = false;
      this.#step();
    });
  }

  #step(): void {
    if (this.#real) {
      clearTimeout(this.#real);
      this.#real = null;
    }
    const next = this.#timers[0];
    if (!next || this.#closed) return;
    const now = this.now();
    if (next.at > now) {
      if (!(this.skip && this.#waiting)) {
        this.#real = setTimeout(() => {
          this.#real = null;
          this.#step();
        }, Math.ceil(next.at - now));
        return;
      }
      this.#vBase = next.at;
      this.#rBase = performance.now();
    }
    this.#timers.shift();
    next.fn();
    this.#kick();
  }
}
