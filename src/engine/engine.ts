/**
 * The supervisor: a pool of worker processes that run executions in isolates. It routes each call
 * (a tenant's calls prefer the same worker, so its isolate and caches stay warm), enforces deadlines from the
 * outside, kills a worker whose guest overran or hung it, answers the call in flight with a typed
 * error, retries the calls that were only queued behind it, and spawns a replacement at once.
 */
import os from 'node:os';
import {
  ExecutionError,
  InvalidRequestError,
  MemoryLimitError,
  OverloadedError,
  SandboxCrashedError,
  TimeoutError,
  errorFromInfo,
  type ErrorInfo,
} from './errors.js';
import type { Header } from './protocol.js';
import {
  DEFAULT_LIMITS,
  DEFAULT_MAX_LIMITS,
  MAX_VOICE_MS,
  type ExecutionRequest,
  type ExecutionResult,
  type Limits,
  type LogEntry,
  type ModuleDefinition,
} from './types.js';
import { WorkerProcess } from './worker-process.js';

export interface EngineLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface EngineOptions {
  /** Worker processes; default one per core. */
  workers?: number;
  /** The modules guests may load by name (the whitelist). */
  modules?: Record<string, ModuleDefinition>;
  /** Limits used where a request says nothing. */
  defaultLimits?: Partial<Limits>;
  /** The most any request may ask for. */
  maxLimits?: Partial<Limits>;
  /** Slack beyond a call's own limit before the supervisor kills its worker. */
  deadlineMarginMs?: number;
  /** Calls in flight per worker before others are preferred or calls wait in the queue. */
  maxInFlightPerWorker?: number;
  /** Calls waiting for a worker before new ones are refused with OverloadedError. */
  maxQueue?: number;
  maxTenantsPerWorker?: number;
  maxReuseContextsPerTenant?: number;
  logger?: EngineLogger;
}

export interface EngineStats {
  workers: {
    pid: number | undefined;
    rss: number;
    tenants: number;
    scripts: number;
    inflight: number;
    /** Compilations that reused V8's code cache (hits) or parsed from scratch (misses). */
    codeCache: { hits: number; misses: number };
  }[];
  restarts: number;
  queued: number;
}

interface Call {
  id: number;
  req: ExecutionRequest;
  limits: Limits;
  deadline: number;
  sentAt: number;
  started: boolean;
  retries: number;
  /** Host results sent to the worker for this call (a voice guest reports how many it has seen). */
  replies: number;
  logs: LogEntry[];
  worker: WorkerProcess | null;
  resolve(r: ExecutionResult): void;
}

const noop = () => {};
const silent: EngineLogger = { info: noop, warn: noop, error: noop };

// V8 flags for the guests: a regular expression that backtracks too much switches to the linear
// engine instead of burning the CPU budget.
const V8_FLAGS = ['--enable-experimental-regexp-engine-on-excessive-backtracks'];
/** A script call or app turn running this long marks its worker busy: new calls go elsewhere if they can. */
const BLOCKED_AFTER_MS = 20;
const FORBIDDEN_METHODS = new Set(['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf']);

export class Engine {
  readonly #opts: Required<Omit<EngineOptions, 'modules' | 'defaultLimits' | 'maxLimits' | 'logger'>>;
  readonly #defaults: Limits;
  readonly #max: Limits;
  readonly #log: EngineLogger;
  readonly #modulesJson: string;
  readonly #registry: Record<string, ModuleDefinition>;
  readonly #scriptModules = new WeakMap<object, Set<string>>();
  readonly #resolved = new Map<string, Limits>();
  /** Names of the modules guests may load. */
  readonly moduleNames: readonly string[];
  readonly #workers: WorkerProcess[] = [];
  readonly #queue: Call[] = [];
  readonly #calls = new Map<number, Call>();
  readonly #readyWaiters: (() => void)[] = [];
  readonly #statsWaiters = new Map<WorkerProcess, (h: Header) => void>();
  #nextId = 1;
  #restarts = 0;
  #closing = false;
  #sweeper: NodeJS.Timeout | null = null;

  constructor(opts: EngineOptions = {}) {
    this.#opts = {
      workers: opts.workers ?? Math.max(1, os.availableParallelism()),
      deadlineMarginMs: opts.deadlineMarginMs ?? 100,
      maxInFlightPerWorker: opts.maxInFlightPerWorker ?? 64,
      maxQueue: opts.maxQueue ?? 10_000,
      maxTenantsPerWorker: opts.maxTenantsPerWorker ?? 512,
      maxReuseContextsPerTenant: opts.maxReuseContextsPerTenant ?? 256,
    };
    this.#max = { ...DEFAULT_MAX_LIMITS, ...opts.maxLimits };
    this.#defaults = { ...DEFAULT_LIMITS, ...opts.defaultLimits };
    this.#log = opts.logger ?? silent;
    this.#registry = { ...opts.modules };
    this.#modulesJson = JSON.stringify(this.#registry);
    this.moduleNames = Object.freeze(Object.keys(opts.modules ?? {}));
  }

  /** Starts the workers and resolves when all of them are ready. */
  async start(): Promise<void> {
    while (this.#workers.length < this.#opts.workers) this.#workers.push(this.#spawn());
    await Promise.all(this.#workers.map((w) => this.#whenReady(w)));
    this.#sweeper = setInterval(() => this.#sweep(), 10);
    this.#sweeper.unref();
  }

  /** Runs one execution. Never rejects: failures come back as `{ok: false, error}`. */
  execute(req: ExecutionRequest): Promise<ExecutionResult> {
    return new Promise((resolve) => {
      let limits: Limits;
      try {
        limits = this.resolveLimits(req.limits);
      } catch (err) {
        resolve(failed(err as ExecutionError));
        return;
      }
      if (this.#closing) {
        resolve(failed(new OverloadedError('The engine is shutting down')));
        return;
      }
      const v = req.voice;
      if (v && !(typeof v.maxMs === 'number' && v.maxMs > 0 && v.maxMs <= MAX_VOICE_MS)) {
        resolve(failed(new InvalidRequestError(`voice.maxMs must be a number of milliseconds up to ${MAX_VOICE_MS}, not ${JSON.stringify(v.maxMs)}`)));
        return;
      }
      if (req.signal?.aborted) {
        resolve(failed(abortError(req.signal)));
        return;
      }
      const call: Call = {
        id: this.#nextId++, req, limits, deadline: 0, sentAt: 0, started: false, retries: 0, replies: 0, logs: [], worker: null, resolve,
      };
      this.#calls.set(call.id, call);
      req.signal?.addEventListener('abort', () => this.#cancel(call), { once: true });
      this.#dispatch(call);
    });
  }

  /** The limits a request gets: the defaults, overridden by the request, checked against the maxima. */
  resolveLimits(requested: Partial<Limits> = {}): Limits {
    // Callers send the same few limit sets over and over: resolve each once (the result is shared).
    const key = JSON.stringify(requested);
    let limits = this.#resolved.get(key);
    if (!limits) {
      limits = Object.freeze(this.#resolve(requested));
      this.#resolved.set(key, limits);
      if (this.#resolved.size > 1000) this.#resolved.delete(this.#resolved.keys().next().value as string);
    }
    return limits;
  }

  #resolve(requested: Partial<Limits>): Limits {
    const limits = { ...this.#defaults };
    for (const [k, v] of Object.entries(requested) as [keyof Limits, number | undefined][]) {
      if (v === undefined) continue;
      if (!(k in limits)) throw new InvalidRequestError(`Unknown limit '${k}'`);
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
        throw new InvalidRequestError(`Limit ${k} must be a positive number, not ${JSON.stringify(v)}`);
      }
      if (v > this.#max[k]) throw new InvalidRequestError(`Limit ${k} = ${v} is above the operator's maximum of ${this.#max[k]}`);
      limits[k] = v;
    }
    if (limits.memoryMb < 8) throw new InvalidRequestError('Limit memoryMb must be at least 8');
    return limits;
  }

  /** Forgets a script version everywhere (after a delete): its code, compiled code and warm state. */
  forget(key: string): void {
    for (const w of this.#workers) {
      w.knownScripts.delete(key);
      w.send({ t: 'forget', key });
    }
  }

  async stats(): Promise<EngineStats> {
    const workers = await Promise.all(
      this.#workers.map(
        (w) =>
          new Promise<EngineStats['workers'][number]>((resolve) => {
            if (!w.ready) {
              resolve({ pid: w.child.pid, rss: 0, tenants: 0, scripts: 0, inflight: w.inflight.size, codeCache: { hits: 0, misses: 0 } });
              return;
            }
            this.#statsWaiters.set(w, (h) =>
              resolve({
                pid: w.child.pid, rss: Number(h.rss), tenants: Number(h.tenants), scripts: Number(h.scripts),
                inflight: w.inflight.size, codeCache: h.codeCache as { hits: number; misses: number },
              }),
            );
            w.send({ t: 'stats' });
          }),
      ),
    );
    return { workers, restarts: this.#restarts, queued: this.#queue.length };
  }

  get restarts(): number {
    return this.#restarts;
  }

  /** Stops taking calls, lets those in flight finish (up to `graceMs`), then stops the workers. */
  async close(graceMs = 10_000): Promise<void> {
    this.#closing = true;
    const until = Date.now() + graceMs;
    while (this.#calls.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    if (this.#sweeper) clearInterval(this.#sweeper);
    for (const call of this.#calls.values()) this.#finish(call, failed(new OverloadedError('The engine shut down')));
    await Promise.all(
      this.#workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.closed) return resolve();
            w.child.once('close', () => resolve());
            w.kill('engine closed');
          }),
      ),
    );
  }

  // --- dispatch -----------------------------------------------------------------------------------

  #dispatch(call: Call): void {
    const w = this.#pick(call.req.script.tenant);
    if (!w) {
      if (this.#queue.length >= this.#opts.maxQueue) {
        this.#finish(call, failed(new OverloadedError(`Too many executions waiting (${this.#queue.length}); try again shortly`)));
        return;
      }
      this.#queue.push(call);
      return;
    }
    this.#send(w, call);
  }

  /** A tenant's calls prefer one worker, where its isolate is warm; load spills over to the others. */
  #pick(tenant: string): WorkerProcess | null {
    const n = this.#workers.length;
    const max = this.#opts.maxInFlightPerWorker;
    const now = performance.now();
    const usable = (w: WorkerProcess) => w.ready && w.inflight.size < max && !this.#blocked(w, now);
    const home = this.#workers[hash(tenant) % n];
    if (usable(home) && home.inflight.size < Math.max(2, max / 4)) return home;
    let best: WorkerProcess | null = null;
    for (const w of this.#workers) {
      if (usable(w) && (!best || w.inflight.size < best.inflight.size)) best = w;
    }
    if (best && usable(home) && home.inflight.size <= best.inflight.size + 2) return home;
    if (best) return best;
    // Every worker is busy with a long call: queue behind the least loaded rather than refuse.
    for (const w of this.#workers) {
      if (w.ready && w.inflight.size < max && (!best || w.inflight.size < best.inflight.size)) best = w;
    }
    return best;
  }

  /** A worker running a script for a while is blocked: calls sent to it would wait behind that one. */
  #blocked(w: WorkerProcess, now: number): boolean {
    if (w.turnCall !== null && now - w.turnStart > BLOCKED_AFTER_MS) return true;
    for (const c of w.inflight.values()) {
      const call = c as Call;
      if (call.req.type === 'script') return now - call.sentAt > BLOCKED_AFTER_MS;
    }
    return false;
  }

  #send(w: WorkerProcess, call: Call): void {
    const { req, limits } = call;
    const s = req.script;
    call.worker = w;
    call.started = false;
    call.sentAt = performance.now();
    call.deadline = call.sentAt + (req.type === 'script' ? limits.cpuMs : req.voice ? req.voice.maxMs : limits.wallMs) + this.#opts.deadlineMarginMs;
    w.inflight.set(call.id, call);
    // The header by hand, from pieces serialized once per object: this runs for every call.
    let head =
      `{"t":"exec","id":${call.id},"key":${json(s.key)},"tenant":${json(s.tenant)},"type":${json(req.type)},"fn":${json(req.fn ?? 'main')},` +
      `"isolation":${json(req.isolation ?? 'fresh')},"limits":${jsonOf(limits)},"env":${req.env ? jsonOf(req.env) : '{}'},` +
      `"returnInput":${req.returnInputIfUndefined === true},"stream":${req.onLog !== undefined}`;
    if (req.voice) head += `,"voice":${JSON.stringify({ maxMs: req.voice.maxMs, call: req.voice.call })}`;
    if (!w.knownScripts.has(s.key)) {
      const code = {
        source: s.source, filename: s.filename, lineOffset: s.lineOffset, modules: s.modules,
        meta: JSON.stringify({ format: s.format, filename: s.filename }),
      };
      head += `,"code":${JSON.stringify(code)}`;
      w.knownScripts.add(s.key);
    }
    w.sendRaw(`${head}}`, req.input ?? '');
  }

  #drainQueue(): void {
    while (this.#queue.length > 0) {
      const w = this.#pick(this.#queue[0].req.script.tenant);
      if (!w) return;
      this.#send(w, this.#queue.shift()!);
    }
  }

  /** The caller gave up on a call (its signal aborted): it fails now, and its worker drops it. */
  #cancel(call: Call): void {
    if (!this.#calls.has(call.id)) return;
    const queued = this.#queue.indexOf(call);
    if (queued !== -1) this.#queue.splice(queued, 1);
    if (!call.worker) {
      this.#finish(call, failed(abortError(call.req.signal!), call.logs));
      return;
    }
    // Answered now, but still tracked until its worker says it is done: the deadline (and the kill
    // of a worker that cannot stop) still applies to what is running there.
    call.resolve(failed(abortError(call.req.signal!), [...call.logs]));
    call.worker.send({ t: 'cancel', id: call.id });
  }

  #finish(call: Call, result: ExecutionResult): void {
    if (!this.#calls.delete(call.id)) return;
    call.worker?.inflight.delete(call.id);
    call.worker = null;
    call.resolve(result);
  }

  // --- frames from workers ------------------------------------------------------------------------

  #onFrame(w: WorkerProcess, h: Header, body: string): void {
    switch (h.t) {
      case 'done': {
        const call = w.inflight.get(Number(h.id)) as Call | undefined;
        if (!call) return;
        const nl = body.indexOf('\n');
        const logsJson = body.slice(0, nl);
        if (logsJson) for (const e of parseLogs(logsJson)) this.#log1(call, e, false);
        const timing = { cpuMs: Number(h.cpuMs) || 0, wallMs: Number(h.wallMs) || 0, logs: call.logs };
        this.#finish(
          call,
          h.ok === true
            ? { ok: true, resultJson: body.slice(nl + 1) || 'null', ...timing }
            : { ok: false, error: errorFromInfo(h.error as ErrorInfo), ...timing },
        );
        this.#drainQueue();
        break;
      }
      case 'log': {
        const call = w.inflight.get(Number(h.id)) as Call | undefined;
        if (call) for (const e of parseLogs(body)) this.#log1(call, e, true);
        break;
      }
      case 'turn':
        w.turnCall = Number(h.id);
        w.turnStart = performance.now();
        break;
      case 'turned':
        w.turnCall = null;
        break;
      case 'idle': {
        // A voice guest waits; only news if it has seen every result sent (else it is about to run).
        const call = w.inflight.get(Number(h.id)) as Call | undefined;
        if (call && Number(h.delivered) === call.replies) this.#voiceHook(() => call.req.voice?.onIdle?.(h.timers === true));
        break;
      }
      case 'started': {
        const call = w.inflight.get(Number(h.id)) as Call | undefined;
        if (call) call.started = true;
        break;
      }
      case 'host': {
        const call = w.inflight.get(Number(h.id)) as Call | undefined;
        if (call) void this.#hostCall(w, call, h, body);
        break;
      }
      case 'miss': {
        const call = w.inflight.get(Number(h.id)) as Call | undefined;
        if (!call) return;
        w.knownScripts.delete(call.req.script.key);
        w.inflight.delete(call.id);
        this.#send(w, call);
        break;
      }
      case 'stats': {
        const waiter = this.#statsWaiters.get(w);
        this.#statsWaiters.delete(w);
        waiter?.(h);
        break;
      }
      case 'ready':
        w.ready = true;
        for (const r of this.#readyWaiters.splice(0)) r();
        this.#drainQueue();
        break;
    }
  }

  #log1(call: Call, e: LogEntry, live: boolean): void {
    call.logs.push(e);
    if (live && call.req.onLog) {
      try {
        call.req.onLog(e);
      } catch (err) {
        this.#log.warn({ err }, 'onLog handler threw');
      }
    }
  }

  async #hostCall(w: WorkerProcess, call: Call, h: Header, body: string): Promise<void> {
    const reply = (ok: boolean, value: string, e?: object) => {
      if (w.inflight.get(call.id) !== call) return;
      w.send({ t: 'hostResult', id: call.id, op: h.op, ok, ...(e ? { e } : {}) }, value);
      call.replies++;
      if (call.req.voice) this.#voiceHook(() => call.req.voice?.onBusy?.());
    };
    try {
      // The guest controls what it asks for: only modules this script loads, methods by plain name.
      const module = String(h.m);
      const method = String(h.f);
      // 'ctx' is no module: it is the call of a voice execution (src/voice answers its operations).
      const allowed = module === 'ctx' ? call.req.voice !== undefined : this.#modulesOf(call.req.script).has(module);
      if (!allowed || !/^[A-Za-z_$][\w$]*$/.test(method) || FORBIDDEN_METHODS.has(method)) {
        throw Object.assign(new Error(`${module}.${method}() is not an operation this script may call`), { code: 'HOST_ERROR' });
      }
      if (!call.req.host) throw Object.assign(new Error(`${module}.${method}() is not available here`), { code: 'HOST_ERROR' });
      const args = JSON.parse(body || '[]') as unknown[];
      const value = await call.req.host(module, method, Array.isArray(args) ? args : []);
      reply(true, JSON.stringify(value ?? null) ?? 'null');
    } catch (err) {
      const e = err as { name?: string; message?: string; code?: string };
      reply(false, '', { name: e.name ?? 'Error', message: e.message ?? String(err), code: e.code ?? 'HOST_ERROR' });
    }
  }

  #voiceHook(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log.warn({ err }, 'voice hook threw');
    }
  }

  /** The modules a script may reach: those it loads, and theirs. */
  #modulesOf(script: ExecutionRequest['script']): Set<string> {
    let set = this.#scriptModules.get(script);
    if (!set) {
      set = new Set();
      const visit = (name: string) => {
        const def = this.#registry[name];
        if (!def || set!.has(name)) return;
        set!.add(name);
        for (const dep of def.deps ?? []) visit(dep);
      };
      for (const m of script.modules) visit(m);
      this.#scriptModules.set(script, set);
    }
    return set;
  }

  // --- failures -----------------------------------------------------------------------------------

  /** Kills workers whose call overran its deadline: the guest hung the isolate beyond its own timeout. */
  #sweep(): void {
    const now = performance.now();
    for (const w of this.#workers) {
      if (w.closed || w.inflight.size === 0) continue;
      const overdue: [Call, string][] = [];
      for (const c of w.inflight.values()) {
        const call = c as Call;
        const l = call.limits;
        if (call.deadline < now) {
          const what = call.req.type === 'script' ? `CPU time limit of ${l.cpuMs} ms`
            : call.req.voice ? `Voice time limit of ${call.req.voice.maxMs} ms` : `Wall time limit of ${l.wallMs} ms`;
          overdue.push([call, what]);
        } else if (w.turnCall === call.id && now - w.turnStart > l.cpuMs + this.#opts.deadlineMarginMs) {
          // One turn of an app cannot use more than its CPU limit: the guest hung the isolate.
          overdue.push([call, `CPU time limit of ${l.cpuMs} ms`]);
        }
      }
      if (overdue.length === 0) continue;
      for (const [c, what] of overdue) {
        this.#finish(c, failed(new TimeoutError(`${what} exceeded; the sandbox process was stopped`), c.logs));
      }
      this.#log.warn({ worker: w.child.pid, calls: overdue.length }, 'execution overran its deadline: killing its worker');
      w.kill('deadline');
    }
  }

  #onClose(w: WorkerProcess, reason: string): void {
    const index = this.#workers.indexOf(w);
    const calls = [...w.inflight.values()] as Call[];
    w.inflight.clear();
    this.#statsWaiters.get(w)?.({ t: 'stats', rss: 0, tenants: 0, scripts: 0, codeCache: { hits: 0, misses: 0 } });
    if (!this.#closing || this.#calls.size > 0) {
      if (index !== -1) {
        this.#restarts++;
        this.#workers[index] = this.#spawn();
      }
      if (w.killedFor !== 'deadline') this.#log.warn({ worker: w.child.pid, reason, stderr: w.stderrTail.slice(-2000) }, 'worker process died');
    }
    // Who was running when it died: the app turn in progress, else the oldest script call (a worker
    // runs scripts one at a time, in the order sent, and answers each before starting the next).
    // Killed for a deadline, the culprit was answered already: the calls left are all bystanders.
    let culprit: Call | undefined;
    if (w.killedFor === null) {
      culprit = calls.find((c) => c.id === w.turnCall) ?? calls.find((c) => c.req.type === 'script');
    }
    for (const call of calls) {
      call.worker = null;
      if (call !== culprit && !call.req.signal?.aborted && call.retries < 2 && (call.req.type === 'script' || !call.started)) {
        // It never ran, or it is pure: run it again.
        call.retries++;
        this.#dispatch(call);
        continue;
      }
      let err: ExecutionError;
      if (call === culprit && w.diedOfMemory) {
        err = new MemoryLimitError(`Memory limit of ${call.limits.memoryMb} MB exceeded: the allocation was too large to stop, and the sandbox process was restarted`);
      } else if (call === culprit) {
        err = new SandboxCrashedError(`The sandbox process running this execution crashed (${reason}) and was restarted`);
      } else {
        err = new SandboxCrashedError(`The sandbox process running this execution was stopped (${reason}) because of another execution; this one did not complete`);
      }
      this.#finish(call, failed(err, call.logs));
    }
  }

  #spawn(): WorkerProcess {
    return new WorkerProcess(
      {
        modulesJson: this.#modulesJson,
        maxTenants: this.#opts.maxTenantsPerWorker,
        maxReuseContexts: this.#opts.maxReuseContextsPerTenant,
        v8Flags: V8_FLAGS,
      },
      { onFrame: (w, h, b) => this.#onFrame(w, h, b), onClose: (w, r) => this.#onClose(w, r) },
    );
  }

  #whenReady(w: WorkerProcess): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (w.ready) resolve();
        else if (w.closed) reject(new Error(`worker failed to start: ${w.stderrTail.slice(-1000)}`));
        else this.#readyWaiters.push(check);
      };
      w.child.once('close', check);
      check();
    });
  }
}

const serialized = new WeakMap<object, string>();
/** JSON of an object that callers reuse (limits, env): serialized once. Such objects are not mutated. */
function jsonOf(o: object): string {
  let s = serialized.get(o);
  if (s === undefined) {
    s = JSON.stringify(o);
    serialized.set(o, s);
  }
  return s;
}
const json = (s: string) => JSON.stringify(s);

function failed(error: ExecutionError, logs: LogEntry[] = []): ExecutionResult {
  return { ok: false, error, logs, cpuMs: 0, wallMs: 0 };
}

function abortError(signal: AbortSignal): ExecutionError {
  const r: unknown = signal.reason;
  if (r instanceof ExecutionError) return r;
  return new TimeoutError(r instanceof Error && r.name !== 'AbortError' ? r.message : 'The execution was stopped by its caller');
}

function parseLogs(json: string): LogEntry[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? (v as LogEntry[]) : [];
  } catch {
    return [];
  }
}

/** FNV-1a: spreads tenants over workers. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
