/** One execution of customer code, from source text to the envelope users see. */
import type { Engine } from '../engine/index.js';
import {
  ExecutionError,
  type ErrorInfo,
  type ExecutionType,
  type HostHandler,
  type Isolation,
  type Limits,
  type LogEntry,
} from '../engine/index.js';
import type { Analysis } from './analyze.js';
import { prepare, type Prepared } from './prepare.js';

export interface RunOptions {
  code: string;
  /** Shown in stack traces; default `script.js`. */
  filename?: string;
  type: ExecutionType;
  fn?: string;
  /** The data argument, as a value or as JSON text (`input`). */
  data?: unknown;
  input?: string;
  limits?: Partial<Limits>;
  isolation?: Isolation;
  env?: Record<string, string>;
  tenant?: string;
  host?: HostHandler;
  onLog?: (entry: LogEntry) => void;
  returnInputIfUndefined?: boolean;
  /** Names of the modules the engine's registry offers. */
  availableModules?: readonly string[];
}

export type Envelope =
  | { ok: true; result: unknown; logs: LogEntry[]; cpuMs: number; wallMs: number }
  | { ok: false; error: ErrorInfo; logs: LogEntry[]; cpuMs: number; wallMs: number };

/** The type a file most likely is, for `scriptforge run` without --type (see PRODUCT.md §1). */
export function guessType(a: Analysis): ExecutionType {
  if (!a.hasMain && a.exported.length > 0) return 'driver';
  if (a.modules.length > 0 || a.dynamicRequire || a.firstAwait || a.hasAsyncFunction) return 'app';
  return 'script';
}

const preparedCache = new Map<string, Prepared>();

export async function run(engine: Engine, o: RunOptions): Promise<Envelope> {
  let script: Prepared;
  try {
    script = cachedPrepare({ ...o, availableModules: o.availableModules ?? engine.moduleNames });
  } catch (err) {
    if (err instanceof ExecutionError) return { ok: false, error: err.toJSON(), logs: [], cpuMs: 0, wallMs: 0 };
    throw err;
  }
  const r = await engine.execute({
    script,
    type: o.type,
    fn: o.fn,
    input: o.input ?? (o.data === undefined ? '' : JSON.stringify(o.data)),
    limits: o.limits,
    isolation: o.isolation,
    env: o.env,
    host: o.host,
    onLog: o.onLog,
    returnInputIfUndefined: o.returnInputIfUndefined,
  });
  if (r.ok) return { ok: true, result: JSON.parse(r.resultJson) as unknown, logs: r.logs, cpuMs: r.cpuMs, wallMs: r.wallMs };
  return { ok: false, error: r.error.toJSON(), logs: r.logs, cpuMs: r.cpuMs, wallMs: r.wallMs };
}

function cachedPrepare(o: RunOptions): Prepared {
  const k = `${o.type}\0${o.tenant ?? 'local'}\0${o.filename ?? ''}\0${(o.availableModules ?? []).join(',')}\0${o.code}`;
  let p = preparedCache.get(k);
  if (!p) {
    p = prepare(o.code, {
      type: o.type,
      tenant: o.tenant ?? 'local',
      filename: o.filename ?? 'script.js',
      availableModules: o.availableModules ?? [],
    });
    preparedCache.set(k, p);
    if (preparedCache.size > 1000) preparedCache.delete(preparedCache.keys().next().value as string);
  }
  return p;
}
