/** The engine's public vocabulary: what a caller asks for and what it gets back. */
import type { ExecutionError } from './errors.js';

export type ExecutionType = 'script' | 'app' | 'driver';
export type Isolation = 'fresh' | 'reuse';

export interface Limits {
  /** CPU time the guest may use, summed over all its turns. */
  cpuMs: number;
  /** Wall time for app and driver executions (awaiting I/O included). Scripts are bound by cpuMs. */
  wallMs: number;
  /** Heap of the isolate that runs the script. */
  memoryMb: number;
  /** Size of the result as JSON, in bytes. */
  resultBytes: number;
  /** Size of the captured console output, in bytes (a final "log truncated" entry says so). */
  logBytes: number;
  /** Timers pending at once. */
  timers: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  cpuMs: 10_000,
  wallMs: 30_000,
  memoryMb: 128,
  resultBytes: 1024 * 1024,
  logBytes: 64 * 1024,
  timers: 10,
});

/** The most an operator lets any script ask for. */
export const DEFAULT_MAX_LIMITS: Readonly<Limits> = Object.freeze({
  cpuMs: 60_000,
  wallMs: 3_600_000,
  memoryMb: 512,
  resultBytes: 16 * 1024 * 1024,
  logBytes: 1024 * 1024,
  timers: 100,
});

export type LogLevel = 'log' | 'info' | 'warn' | 'error' | 'debug';
export interface LogEntry {
  level: LogLevel;
  ts: number;
  message: string;
}

/**
 * Customer code prepared by the runtime: a factory function expression
 * `(function (module, exports, require, importModule, dynamicImport) { ...; return {locals} })`
 * whose first line is the wrapper and whose second line is the customer's first line.
 */
export interface PreparedScript {
  /** Unique per script version (for example a hash of the code and its options): the cache key. */
  key: string;
  /** Whose script it is: scripts of different tenants never share an isolate. */
  tenant: string;
  /** Name shown in stack traces and error positions. */
  filename: string;
  source: string;
  /** Lines of wrapper before the customer's first line. */
  lineOffset: number;
  format: 'legacy' | 'esm';
  /** Modules the code loads by name (require/import with a string literal). */
  modules: string[];
}

/** Runs a module's host operation for one execution; the engine calls it with the guest's arguments. */
export type HostHandler = (module: string, method: string, args: unknown[]) => Promise<unknown>;

export interface ExecutionRequest {
  script: PreparedScript;
  type: ExecutionType;
  /** Function to call; default `main`. */
  fn?: string;
  /** The `data` argument as JSON text; omitted or '' means no argument. */
  input?: string;
  limits?: Partial<Limits>;
  isolation?: Isolation;
  /** `process.env` inside the sandbox. */
  env?: Record<string, string>;
  /** When main returns undefined, return the data as the script left it (Class 4), with a warning. */
  returnInputIfUndefined?: boolean;
  /** Host side of the modules' operations (cxKV, fetch...). Without it, host operations fail. */
  host?: HostHandler;
  /** Called for each log entry as soon as the worker reports it (app turns, or the end of a script). */
  onLog?: (entry: LogEntry) => void;
  /** A Class 5 voice execution: `main(data, ctx)`, with the guest's ctx talking to host('ctx', ...). */
  voice?: VoiceRequest;
  /** Ends the execution early: it fails with the abort reason (an ExecutionError) or a TimeoutError. */
  signal?: AbortSignal;
}

/**
 * What the engine needs for a voice execution (PRODUCT.md §6.2). The guest gets a `ctx` whose
 * operations are host operations of the pseudo-module 'ctx'; the voice layer (src/voice) answers them.
 * A call can last an hour: `maxMs` replaces the wall-time limit (the CPU limit still applies).
 */
export interface VoiceRequest {
  /** What the guest's ctx starts with: channel variables and SIP headers (names lower-case). */
  call: { callId: string; variables: Record<string, string>; headers: Record<string, string> };
  /** The longest the execution may run, instead of limits.wallMs. */
  maxMs: number;
  /**
   * The guest is waiting: no turn is running and it has been handed every host result sent so far;
   * `timers` says whether one of its timers is pending. (A simulated call may skip ahead then.)
   */
  onIdle?: (timers: boolean) => void;
  /** A host result is on its way to the guest: it will run again. */
  onBusy?: () => void;
}

/** The longest any voice execution may run (VoiceRequest.maxMs). */
export const MAX_VOICE_MS = 24 * 3_600_000;

interface Timing {
  cpuMs: number;
  wallMs: number;
  logs: LogEntry[];
}
export type ExecutionResult =
  | (Timing & { ok: true; /** The result as JSON text ('null' for undefined). */ resultJson: string })
  | (Timing & { ok: false; error: ExecutionError });

/** A module the guest may load: CommonJS source run as `(module, exports, require, host)`. */
export interface ModuleDefinition {
  source: string;
  /** Other registry modules this one requires. */
  deps?: string[];
}
