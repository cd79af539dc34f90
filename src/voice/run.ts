/**
 * Runs a voice script against a call: `main(data, ctx)` through the engine, its ctx operations
 * answered by a CallSession on the given backend. Resolves when the script is done and the call
 * is over, with the call's timeline and the execution's logs.
 */
import {
  ExecutionError,
  TimeoutError,
  type Engine,
  type ErrorInfo,
  type HostHandler,
  type Isolation,
  type Limits,
  type LogEntry,
} from '../engine/index.js';
import { prepare } from '../runtime/index.js';
import type { CallBackend } from './backend.js';
import { CallSession } from './session.js';
import type { TimelineEntry } from './timeline.js';

/** Default longest call: an hour (PRODUCT.md §4). */
export const DEFAULT_MAX_CALL_MS = 3_600_000;
/** Once the call has ended, the script has this long (real time) to finish before it is stopped. */
export const END_GRACE_MS = 5_000;

export interface CallRunOptions {
  code: string;
  /** Shown in stack traces; default `script.js`. */
  filename?: string;
  /** Function to call; default main. */
  fn?: string;
  /** The data argument, as a value or as JSON text (`input`). */
  data?: unknown;
  input?: string;
  backend: CallBackend;
  tenant?: string;
  /** CPU, memory... (wallMs does not apply: maxCallMs does). */
  limits?: Partial<Limits>;
  isolation?: Isolation;
  env?: Record<string, string>;
  /** Host side of the other modules the script loads (cxKV...). */
  host?: HostHandler;
  /** The longest the call may last; default an hour. */
  maxCallMs?: number;
  /** Once the call has ended, how long the script may still run; default END_GRACE_MS. */
  graceMs?: number;
  onLog?: (entry: LogEntry) => void;
  /** Each timeline entry as it is added, and again once an operation's entry has its result (a live view). */
  onTimeline?: (entry: TimelineEntry, index: number) => void;
}

export interface CallOutcome {
  ok: boolean;
  timeline: TimelineEntry[];
  logs: LogEntry[];
  error?: ErrorInfo;
}

export async function runCall(engine: Engine, o: CallRunOptions): Promise<CallOutcome> {
  const maxCallMs = o.maxCallMs ?? DEFAULT_MAX_CALL_MS;
  const graceMs = o.graceMs ?? END_GRACE_MS;
  const session = new CallSession(o.backend, { maxCallMs });
  if (o.onTimeline) session.timeline.onChange = o.onTimeline;
  let script;
  try {
    script = prepare(o.code, { type: 'app', tenant: o.tenant ?? 'local', filename: o.filename ?? 'script.js', availableModules: engine.moduleNames });
  } catch (err) {
    if (!(err instanceof ExecutionError)) throw err;
    const r = await session.finish(err.toJSON());
    return { ok: r.ok, timeline: session.timeline.entries, logs: [], ...(r.error ? { error: r.error } : {}) };
  }
  const host: HostHandler = (module, method, args) => {
    if (module === 'ctx') return session.handle(method, args);
    return session.track(o.host ? o.host(module, method, args) : Promise.reject(new Error(`${module} is not available here`)));
  };
  // A script that goes on after the call ended (awaiting timers, say) is stopped after a grace period.
  const stop = new AbortController();
  let grace: NodeJS.Timeout | null = null;
  let done = false;
  void session.whenEnded().then(() => {
    if (done) return;
    grace = setTimeout(() => {
      stop.abort(new TimeoutError(`The call ended ${graceMs} ms ago and the script was still running: it was stopped`));
    }, graceMs);
  });
  const r = await engine.execute({
    script,
    type: 'app',
    fn: o.fn,
    input: o.input ?? (o.data === undefined ? '' : JSON.stringify(o.data)),
    limits: o.limits,
    isolation: o.isolation,
    env: { ...o.env, CORRELATION_ID: o.backend.call.callId },
    host,
    signal: stop.signal,
    // Streamed: logs written before a stop are kept.
    onLog: (e) => o.onLog?.(e),
    voice: {
      call: session.guestCall,
      maxMs: maxCallMs + graceMs + 1_000,
      onIdle: (timers) => session.guestIdle(timers),
      onBusy: () => session.guestBusy(),
    },
  });
  done = true;
  if (grace) clearTimeout(grace);
  const outcome = await session.finish(r.ok ? undefined : r.error.toJSON());
  return { ok: outcome.ok, timeline: session.timeline.entries, logs: r.logs, ...(outcome.error ? { error: outcome.error } : {}) };
}
