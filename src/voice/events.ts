/**
 * The call's events on their way into the sandbox. ctx.js keeps one '__events' host operation
 * pending while the script listens (ctx.on, waitFor); the session queues digits and the hang-up
 * here and answers it. Digits carry the ids of the waitFors that were waiting when they came.
 */
export type GuestEvent =
  | { type: 'dtmf'; digit: string; t: number; for: number[] }
  | { type: 'hangup'; by: string; reason: string; t: number };

const MAX_QUEUED = 1000;

export class EventFeed {
  #queue: GuestEvent[] = [];
  #waiter: ((events: GuestEvent[]) => void) | null = null;
  #wanted = false;
  #last: GuestEvent | null = null;

  /** Events are kept for the guest from the first time it asks (or starts a waitFor) on. */
  want(): void {
    this.#wanted = true;
  }

  push(e: GuestEvent): void {
    if (e.type === 'hangup') this.#last = e;
    if (!this.#wanted) return;
    if (this.#queue.length >= MAX_QUEUED) this.#queue.shift();
    this.#queue.push(e);
    const w = this.#waiter;
    if (w) {
      this.#waiter = null;
      w(this.#queue.splice(0));
    }
  }

  /** The events since the last call, as soon as there is one. After the end, the hang-up again. */
  next(): Promise<GuestEvent[]> {
    this.want();
    if (this.#queue.length > 0) return Promise.resolve(this.#queue.splice(0));
    if (this.#last) return Promise.resolve([this.#last]);
    this.#waiter?.([]); // one long poll at a time: an older one ends empty
    return new Promise((resolve) => (this.#waiter = resolve));
  }
}

/** A waitFor pending on the host: its timeout runs here; ctx.js says when its digits matched. */
export interface PendingWait {
  done(status: 'match' | 'fail' | 'error', digits: string): void;
}

export class Waits extends Map<number, PendingWait> {
  /** At most this many waitFor pending at once per call. */
  static readonly MAX = 32;
}
