/** Runs scripts on cron schedules. TO BE WRITTEN (issue 3, point 7). */
import type { Executor } from '../executor/index.js';
import type { Store } from '../store/index.js';

export class Scheduler {
  constructor(
    readonly store: Store,
    readonly executor: Executor,
  ) {}
  /** Loads every stored schedule and starts its timer. */
  async start(): Promise<void> {}
  /** Stops every timer (runs in flight finish on their own). */
  stop(): void {}
}
