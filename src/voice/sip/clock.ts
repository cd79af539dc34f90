/** Real time on a call: milliseconds since it arrived. */
import { performance } from 'node:perf_hooks';
import type { CallClock } from '../backend.js';

export class RealClock implements CallClock {
  readonly #t0 = performance.now();
  readonly #timers = new Set<NodeJS.Timeout>();

  now(): number {
    return performance.now() - this.#t0;
  }

  after(ms: number, fn: () => void): () => void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, Math.max(0, ms));
    this.#timers.add(t);
    return () => {
      clearTimeout(t);
      this.#timers.delete(t);
    };
  }

  close(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
