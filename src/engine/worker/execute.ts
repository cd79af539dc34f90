/**
 * Runs one execution inside a worker: a script in one synchronous turn; an app or driver as a
 * series of turns driven from here (start, then deliver host results and fire timers until main's
 * promise settles). Every turn is a synchronous call into the isolate under the remaining CPU
 * budget, and returns a string: no guest object ever reaches this process.
 */
import type ivm from 'isolated-vm';
import type { ErrorInfo, ErrorCode } from '../errors.js';
import type { ExecutionType, Isolation, Limits } from '../types.js';
import type { GuestContext, IsolatePool, ScriptSource, Tenant } from './isolates.js';

export interface ExecHeader {
  id: number;
  tenant: string;
  type: ExecutionType;
  fn: string;
  isolation: Isolation;
  limits: Limits;
  env: Record<string, string>;
  returnInput: boolean;
  stream: boolean;
  /** A voice execution: the guest's ctx starts with `call`; `maxMs` replaces limits.wallMs. */
  voice?: { maxMs: number; call: unknown };
}

export interface ExecOutcome {
  ok: boolean;
  resultJson: string;
  error?: ErrorInfo;
  logsJson: string[];
  cpuMs: number;
  wallMs: number;
}

/** The worker's side of the conversation with the supervisor, for host operations and logs. */
export interface ExecIO {
  hostCall(id: number, op: number, module: string, method: string, argsJson: string): void;
  streamLogs(id: number, logsJson: string): void;
  /** An app or driver turn starts (true) or ends (false): the supervisor times turns from outside. */
  turn(id: number, running: boolean): void;
  /** A voice guest waits, having been handed `delivered` host results; `timers`: one of its timers is pending. */
  idle(id: number, delivered: number, timers: boolean): void;
}

interface Status {
  kind: string;
  logs: string;
  payload: string;
}

function parseStatus(s: string): Status {
  const colon = s.indexOf(':');
  const n = Number(s.slice(1, colon));
  return { kind: s[0], logs: s.slice(colon + 1, colon + 1 + n), payload: s.slice(colon + 1 + n) };
}

/** Maps what isolated-vm throws at the host into the engine's error codes. */
function hostSideError(err: unknown, limits: Limits): ErrorInfo {
  const message = err instanceof Error ? err.message : String(err);
  if (/timed out/i.test(message)) {
    return { name: 'TimeoutError', code: 'TIMEOUT', message: `CPU time limit of ${limits.cpuMs} ms exceeded` };
  }
  if (/memory limit|disposed/i.test(message)) {
    return { name: 'MemoryLimitError', code: 'MEMORY_LIMIT', message: `Memory limit of ${limits.memoryMb} MB exceeded` };
  }
  if (err instanceof RangeError || /call stack/i.test(message)) {
    return { name: 'RangeError', code: 'SCRIPT_ERROR', message };
  }
  return { name: err instanceof Error ? err.name : 'Error', code: 'SCRIPT_ERROR', message };
}

interface GuestErrorDescriptor {
  name?: string;
  message?: string;
  code?: ErrorCode;
  line?: number;
  column?: number;
  stack?: string;
  sip?: [number, string];
}

const GUEST_CODES = new Set<string>([
  'SCRIPT_ERROR', 'WRONG_TYPE', 'MODULE_NOT_FOUND', 'FUNCTION_NOT_FOUND', 'RESULT_NOT_JSON', 'OUTPUT_TOO_LARGE', 'TIMER_LIMIT', 'HOST_ERROR',
]);

function guestError(payload: string): ErrorInfo {
  let d: GuestErrorDescriptor;
  try {
    d = JSON.parse(payload) as GuestErrorDescriptor;
  } catch {
    return { name: 'Error', code: 'SCRIPT_ERROR', message: 'the script failed with an error that could not be read' };
  }
  const info: ErrorInfo = {
    name: typeof d.name === 'string' ? d.name : 'Error',
    // Only the codes the prelude raises: customer code could claim any other (SANDBOX_CRASHED...).
    code: typeof d.code === 'string' && GUEST_CODES.has(d.code) ? d.code : 'SCRIPT_ERROR',
    message: typeof d.message === 'string' ? d.message : '',
  };
  if (Number.isInteger(d.line)) info.line = d.line;
  if (Number.isInteger(d.column)) info.column = d.column;
  if (typeof d.stack === 'string') info.stack = d.stack;
  if (Array.isArray(d.sip) && Number.isInteger(d.sip[0]) && d.sip[0] >= 400 && d.sip[0] <= 699) {
    info.sipCode = d.sip[0];
    info.reason = String(d.sip[1] ?? '');
  }
  return info;
}

export class Execution {
  readonly #deliveries: string[] = [];
  #wake: (() => void) | null = null;
  #opsInFlight = 0;
  /** Host results handed to the guest, and the last idle report (voice): `delivered/sent/timers`. */
  #delivered = 0;
  #opsSent = 0;
  #idleReported = '';
  #cancelled = false;
  #cpuNs = 0n;
  readonly #started = performance.now();
  readonly #logs: string[] = [];

  constructor(
    readonly header: ExecHeader,
    readonly script: ScriptSource,
    readonly input: string,
    readonly pool: IsolatePool,
    readonly io: ExecIO,
  ) {}

  /** A host operation finished: its result is handed to the guest at the next turn. */
  deliver(op: number, ok: boolean, body: string, error?: unknown): void {
    this.#opsInFlight--;
    this.#deliveries.push(
      ok ? `{"op":${op},"ok":true,"v":${body === '' ? 'null' : body}}` : JSON.stringify({ op, ok: false, e: error ?? {} }),
    );
    this.#wake?.();
  }

  /** The supervisor gave up on this execution (its answer is sent already): stop at the next wake. */
  cancel(): void {
    this.#cancelled = true;
    this.#wake?.();
  }

  async run(): Promise<ExecOutcome> {
    const h = this.header;
    const tenant = this.pool.tenant(h.tenant, h.limits.memoryMb);
    const reuse = h.isolation === 'reuse';
    let gc: GuestContext | null = null;
    let tampered = false;
    try {
      gc = this.pool.acquire(tenant, this.script, reuse);
      const opts = (clean: boolean) => JSON.stringify({
        inv: h.id, type: h.type, isolation: h.isolation, env: h.env, returnInput: h.returnInput, clean, voice: h.voice?.call,
        limits: { resultBytes: h.limits.resultBytes, logBytes: h.limits.logBytes, timers: h.limits.timers },
      });
      const clean = gc.clean;
      gc.clean = false;
      let status = this.#turn(tenant, gc.api.run, [this.script.key, h.fn, this.input, opts(clean)]);
      if (status.kind === 'X') {
        // A previous execution changed a built-in for good: this context cannot be made fresh again.
        gc.release();
        gc = this.pool.acquire(tenant, this.script, reuse);
        gc.clean = false;
        status = this.#turn(tenant, gc.api.run, [this.script.key, h.fn, this.input, opts(false)]);
      }
      if (status.kind === 'P') status = await this.#pump(tenant, gc, status);
      return this.#outcome(status);
    } catch (err) {
      const info = (err as { info?: ErrorInfo }).info ?? hostSideError(err, h.limits);
      // A guest stopped mid-turn leaves its context in an unknown state: start the next one anew.
      tampered = true;
      if (reuse) this.pool.discardReuse(tenant, this.script.key);
      return this.#failure(info);
    } finally {
      if (gc && !reuse) this.pool.giveBack(tenant, gc, tampered);
    }
  }

  #turn(tenant: Tenant, fn: ivm.Reference, args: unknown[]): Status {
    const budgetNs = BigInt(this.header.limits.cpuMs) * 1_000_000n - this.#cpuNs;
    if (budgetNs <= 0n) throw this.#timeout('cpu');
    const before = tenant.isolate.cpuTime;
    try {
      const timeout = Math.max(1, Math.ceil(Number(budgetNs) / 1e6));
      const async = this.header.type !== 'script';
      if (async) this.io.turn(this.header.id, true);
      const s = fn.applySync(undefined, args, { timeout }) as unknown;
      if (async) this.io.turn(this.header.id, false);
      if (typeof s !== 'string') throw new Error('the sandbox returned an unexpected value');
      const status = parseStatus(s);
      if (status.logs) {
        if (this.header.stream) this.io.streamLogs(this.header.id, status.logs);
        else this.#logs.push(status.logs);
      }
      return status;
    } finally {
      if (!tenant.isolate.isDisposed) this.#cpuNs += tenant.isolate.cpuTime - before;
    }
  }

  async #pump(tenant: Tenant, gc: GuestContext, first: Status): Promise<Status> {
    const h = this.header;
    const deadline = this.#started + (h.voice ? h.voice.maxMs : h.limits.wallMs);
    let status = first;
    while (status.kind === 'P') {
      const p = JSON.parse(status.payload) as { ops: { op: number; m: string; f: string; a: unknown }[]; timer: number | null; quiet: boolean };
      for (const o of p.ops) {
        this.#opsInFlight++;
        this.#opsSent++;
        this.io.hostCall(h.id, o.op, String(o.m), String(o.f), JSON.stringify(o.a ?? []));
      }
      if (p.quiet && this.#deliveries.length === 0 && !this.#cancelled) {
        if (this.#opsInFlight === 0 && p.timer === null) {
          this.#abandon(tenant, gc);
          throw withInfo({
            name: 'NeverSettlesError', code: 'NEVER_SETTLES',
            message: 'main() returned a promise that can never settle: nothing is pending (no timer, no I/O). Is a resolve() never called?',
          });
        }
        if (h.voice) this.#reportIdle(p.timer !== null);
        const wait = Math.min(p.timer ?? Infinity, deadline - performance.now());
        if (wait > 0) await this.#sleep(wait);
        if (performance.now() >= deadline) {
          this.#abandon(tenant, gc);
          throw this.#timeout('wall');
        }
      }
      if (this.#cancelled) {
        this.#abandon(tenant, gc);
        throw withInfo({ name: 'Error', code: 'SCRIPT_ERROR', message: 'The execution was stopped by its caller' });
      }
      this.#delivered += this.#deliveries.length;
      const batch = this.#deliveries.length ? `[${this.#deliveries.splice(0).join(',')}]` : '';
      status = this.#turn(tenant, gc.api.poll, [h.id, batch]);
    }
    return status;
  }

  /** Tells the supervisor that a voice guest waits (once per change: a ticking interval says it once). */
  #reportIdle(timers: boolean): void {
    const state = `${this.#delivered}/${this.#opsSent}/${timers}`;
    if (state === this.#idleReported) return;
    this.#idleReported = state;
    this.io.idle(this.header.id, this.#delivered, timers);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.#wake = null;
        resolve();
      }
      this.#wake = done;
    });
  }

  #abandon(tenant: Tenant, gc: GuestContext): void {
    try {
      const s = parseStatus(this.#turnRaw(tenant, gc.api.abandon, [this.header.id]));
      if (s.logs) this.#logs.push(s.logs);
    } catch {
      /* the timeout error below says enough */
    }
  }

  #turnRaw(tenant: Tenant, fn: ivm.Reference, args: unknown[]): string {
    return fn.applySync(undefined, args, { timeout: 1000 }) as string;
  }

  #timeout(kind: 'cpu' | 'wall'): Error {
    const l = this.header.limits;
    return withInfo({
      name: 'TimeoutError', code: 'TIMEOUT',
      message: kind === 'cpu' ? `CPU time limit of ${l.cpuMs} ms exceeded`
        : this.header.voice ? `Voice time limit of ${this.header.voice.maxMs} ms exceeded` : `Wall time limit of ${l.wallMs} ms exceeded`,
    });
  }

  #outcome(status: Status): ExecOutcome {
    if (status.kind === 'R') {
      return { ok: true, resultJson: status.payload, logsJson: this.#logs, ...this.#timing() };
    }
    const error = guestError(status.payload);
    // isolated-vm refuses an ArrayBuffer that would take the isolate over its memory limit with this
    // RangeError (a length V8 itself refuses is "Invalid array buffer length"): uncaught, it is the limit.
    if (error.code === 'SCRIPT_ERROR' && error.name === 'RangeError' && error.message === 'Array buffer allocation failed') {
      return this.#failure({
        name: 'MemoryLimitError', code: 'MEMORY_LIMIT',
        message: `Memory limit of ${this.header.limits.memoryMb} MB exceeded (an ArrayBuffer allocation was refused)`,
      });
    }
    return this.#failure(error);
  }

  #failure(error: ErrorInfo): ExecOutcome {
    return { ok: false, resultJson: '', error: cutError(error), logsJson: this.#logs, ...this.#timing() };
  }

  #timing(): { cpuMs: number; wallMs: number } {
    return { cpuMs: Number(this.#cpuNs) / 1e6, wallMs: performance.now() - this.#started };
  }
}

/** Longest text of an error the caller gets (name, message, stack, SIP reason); the rest is cut. */
const MAX_ERROR_TEXT = 8192;

/** A guest may throw an error of many megabytes: the result size limit does not cover errors, this does. */
function cutError(info: ErrorInfo): ErrorInfo {
  const cut = (s: string) => (typeof s === 'string' && s.length > MAX_ERROR_TEXT ? `${s.slice(0, MAX_ERROR_TEXT)}… (${s.length - MAX_ERROR_TEXT} more characters)` : s);
  const out: ErrorInfo = { ...info, name: cut(info.name), message: cut(info.message) };
  if (out.stack !== undefined) out.stack = cut(out.stack);
  if (out.reason !== undefined) out.reason = cut(out.reason);
  return out;
}

function withInfo(info: ErrorInfo): Error {
  return Object.assign(new Error(info.message), { info });
}
