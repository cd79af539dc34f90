/**
 * What happened on a call, in order: each operation the script ran (with its arguments and its
 * result or error) and each event (a digit, a prompt, a B-leg, the hang-up). `t` and `end` are
 * milliseconds since the call arrived, on the call's clock.
 *
 *   {"t":0,"op":"answer","result":null,"end":0}
 *   {"t":1,"op":"ivr","file":"ivr/menu.wav","timeoutSec":5,...,"result":{"status":"success","value":"1"},"end":1502}
 *   {"t":1501,"event":"dtmf","digit":"1"}
 *   {"t":9120,"event":"hangup","by":"script","reason":"ctx.hangup()"}
 */
export type TimelineEntry = { t: number; op?: string; event?: string; [field: string]: unknown };

/** Entries kept per call: a script that logs in a loop cannot grow a timeline without end. */
export const MAX_TIMELINE_ENTRIES = 2000;
/** Strings in an entry longer than this (a long tts text) are cut. */
const MAX_TEXT = 1000;

export class Timeline {
  readonly entries: TimelineEntry[] = [];
  /** Told of each entry as it is added, and again once an operation's entry is finished (a live view). */
  onChange: ((entry: TimelineEntry, index: number) => void) | null = null;
  #dropped = 0;

  constructor(private readonly now: () => number) {}

  /** An operation starts; the session fills in `result` or `error`, and `end`. Null once the timeline is full. */
  op(name: string, args: Record<string, unknown>): TimelineEntry | null {
    return this.#add({ t: this.#t(), op: name, ...clip(args) });
  }

  /** Something happened. `always`: kept even when the timeline is full (the end of the call). */
  event(name: string, fields: Record<string, unknown> = {}, always = false): TimelineEntry | null {
    return this.#add({ t: this.#t(), event: name, ...clip(fields) }, always);
  }

  finish(entry: TimelineEntry | null, outcome: { result: unknown } | { error: Error }): void {
    if (!entry) return;
    if ('error' in outcome) entry.error = { name: outcome.error.name, message: outcome.error.message };
    else entry.result = outcome.result ?? null;
    entry.end = this.#t();
    this.onChange?.(entry, this.entries.lastIndexOf(entry));
  }

  #t(): number {
    return Math.round(this.now());
  }

  #add(e: TimelineEntry, always = false): TimelineEntry | null {
    if (this.entries.length >= MAX_TIMELINE_ENTRIES && !always) {
      if (this.#dropped++ === 0) this.#push({ t: e.t, event: 'truncated', reason: `more than ${MAX_TIMELINE_ENTRIES} entries` });
      return null;
    }
    this.#push(e);
    return e;
  }

  #push(e: TimelineEntry): void {
    this.entries.push(e);
    this.onChange?.(e, this.entries.length - 1);
  }
}

function clip(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out[k] = typeof v === 'string' && v.length > MAX_TEXT ? `${v.slice(0, MAX_TEXT)}… (${v.length - MAX_TEXT} more characters)` : v;
  }
  return out;
}

/** An operation as the customer wrote it, for messages: ctx.play('ivr/menu.wav'). */
export function callText(op: string, args: unknown[]): string {
  const show = (v: unknown): string => {
    if (typeof v === 'string') return `'${JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}…` : v).slice(1, -1)}'`;
    if (v === null || typeof v !== 'object') return String(v);
    return Array.isArray(v) ? '[…]' : '{…}';
  };
  return `ctx.${op}(${args.map(show).join(', ')})`;
}
