/**
 * Runs cxJob's background jobs: claims due jobs from the store, runs each through the executor
 * (recorded like any execution, trigger 'job'), and settles it: succeeded with its result, queued
 * again after a backoff (backoffMs, doubled each retry) while attempts remain, or failed for good.
 *
 * The queue is the store, so jobs survive a restart: start() puts runs that were cut off back in the
 * queue (a job runs at least once; a run cut off by a crash is run again).
 */
import type { Executor } from '../executor/index.js';
import { ExecutionError } from '../engine/index.js';
import type { Job, Store } from '../store/index.js';
import type { SchedulerLog } from './index.js';

export interface JobRunnerOptions {
  /** Jobs running at once in this process (default 2). */
  concurrency?: number;
  /** Longest sleep between looks at the queue, ms (default 1000); wake() cuts it short. */
  pollMs?: number;
  /** Milliseconds since the epoch: injectable for tests. */
  now?: () => number;
}

export class JobRunner {
  readonly #running = new Set<Promise<void>>();
  readonly #concurrency: number;
  readonly #pollMs: number;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | null = null;
  #ticking = false;
  #again = false;
  #stopped = true;

  constructor(
    readonly store: Store,
    readonly executor: Executor,
    readonly log: SchedulerLog,
    opts: JobRunnerOptions = {},
  ) {
    this.#concurrency = opts.concurrency ?? 2;
    this.#pollMs = opts.pollMs ?? 1000;
    this.#now = opts.now ?? Date.now;
  }

  async start(): Promise<void> {
    this.#stopped = false;
    const n = await this.store.jobs.requeueRunning(this.#now());
    if (n) this.log.warn({ jobs: n }, 'jobs cut off by a restart are queued again');
    this.wake();
  }

  /** Looks at the queue now (a job was added). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#ticking) {
      this.#again = true;
      return;
    }
    this.#arm(0);
  }

  /** Stops claiming; resolves when the runs in flight have settled. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    while (this.#running.size) await Promise.allSettled([...this.#running]);
  }

  #arm(ms: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), Math.max(0, ms));
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    this.#timer = null;
    if (this.#stopped) return;
    this.#ticking = true;
    try {
      const jobs = await this.store.jobs.claim(this.#now(), this.#concurrency - this.#running.size);
      for (const job of jobs) {
        const run = this.#run(job).finally(() => {
          this.#running.delete(run);
          this.wake();
        });
        this.#running.add(run);
      }
      const next = await this.store.jobs.nextDue();
      const wait = next === null ? this.#pollMs : Math.min(this.#pollMs, next - this.#now());
      if (!this.#stopped && this.#running.size < this.#concurrency) this.#arm(this.#again ? 0 : wait);
    } catch (err) {
      this.log.error({ err }, 'job queue unreadable');
      if (!this.#stopped) this.#arm(this.#pollMs);
    } finally {
      this.#ticking = false;
      this.#again = false;
    }
  }

  /** One attempt. Never throws. */
  async #run(job: Job): Promise<void> {
    try {
      const out = await this.executor.run({ accountId: job.accountId, scriptId: job.scriptId, fn: job.fn, input: job.dataJson, trigger: 'job' });
      if (!out.found) {
        const error = new ExecutionError('SCRIPT_NOT_FOUND', `The script '${job.scriptId}' no longer exists`, { name: 'JobError' }).toJSON();
        await this.store.jobs.settle(job.id, { status: 'failed', error, executionId: null });
        return;
      }
      if (out.ok) {
        await this.store.jobs.settle(job.id, { status: 'succeeded', resultJson: out.resultJson, executionId: out.executionId });
      } else if (job.attempts < job.maxAttempts) {
        const runAt = this.#now() + job.backoffMs * 2 ** (job.attempts - 1);
        await this.store.jobs.settle(job.id, { status: 'queued', runAt, error: out.error, executionId: out.executionId });
      } else {
        await this.store.jobs.settle(job.id, { status: 'failed', error: out.error, executionId: out.executionId });
      }
    } catch (err) {
      this.log.error({ jobId: job.id, err }, 'job run failed');
      await this.store.jobs
        .settle(job.id, { status: 'queued', runAt: this.#now() + job.backoffMs * 2 ** (job.attempts - 1), executionId: null })
        .catch(() => {});
    }
  }
}
