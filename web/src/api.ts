/**
 * The ScriptForge HTTP API as the IDE uses it: the same public endpoints as curl or the CLI, with
 * the account key in the Authorization header (never in a URL). Errors are ApiError with the
 * server's stable code, message and, for code that does not compile, its line and column.
 */
import { readSse } from './sse.js';

export type ScriptType = 'script' | 'app' | 'driver';

export interface Script {
  id: string;
  name: string;
  type: ScriptType;
  isolation: 'fresh' | 'reuse';
  limits: Record<string, number>;
  routing: Record<string, unknown>;
  /** The deployed version (what runs). */
  version: number;
  deployedVersion: number;
  latestVersion: number;
  createdAt: string;
  updatedAt: string;
  /** The deployed version's code (GET /api/v1/scripts/{id} only). */
  code?: string;
}

export interface VersionInfo {
  version: number;
  createdAt: string;
  /** The fingerprint of the API key that saved it (`key:1a2b3c4d5e`); '' for old versions. */
  author: string;
  deployed: boolean;
}

export interface LogEntry {
  level: 'log' | 'info' | 'warn' | 'error' | 'debug';
  ts: number;
  message: string;
}

export interface ErrorInfo {
  name: string;
  code: string;
  message: string;
  sipCode?: number;
  reason?: string;
  line?: number;
  column?: number;
  stack?: string;
}

/** What a run answers (the last SSE event, or the JSON body). */
export interface RunOutcome {
  ok: boolean;
  result?: unknown;
  error?: ErrorInfo;
  executionId?: string;
  logs?: LogEntry[];
  cpuMs?: number;
  wallMs?: number;
}

export interface ExecutionSummary {
  id: string;
  scriptId: string;
  version: number;
  fn: string;
  trigger: string;
  ok: boolean;
  error: ErrorInfo | null;
  cpuMs: number;
  wallMs: number;
  startedAt: string;
}

export interface Execution extends ExecutionSummary {
  logs: LogEntry[];
  result: unknown;
}

export interface RoutingChange {
  path: string;
  from?: unknown;
  to?: unknown;
}

export interface RoutingStep {
  scriptId: string;
  executionId: string | null;
  outcome: 'ok' | 'reject' | 'timeout' | 'error' | 'missing';
  ms: number;
  error?: string;
}

export type RoutingAnswer =
  | { action: 'continue'; data: Record<string, unknown>; diff: RoutingChange[]; trace: RoutingStep[] }
  | { action: 'reject'; sipCode: number; reason: string; trace: RoutingStep[] };

/** One entry of a call's timeline: an operation (with its arguments, then its result or error) or an event. */
export type TimelineEntry = { t: number; op?: string; event?: string; end?: number; result?: unknown; error?: { name: string; message: string }; [field: string]: unknown };

/** A live simulated call, as it starts (the stream's first event). */
export interface CallStart {
  callId: string;
  scriptId: string;
  version: number;
  from: string;
  to: string;
  maxCallMs: number;
}

/** How a simulated call went (the stream's last event). */
export interface CallEnd {
  callId: string;
  ok: boolean;
  timeline: TimelineEntry[];
  logs: LogEntry[];
  error?: ErrorInfo;
}

export interface CallWatch {
  onCall(c: CallStart): void;
  /** Entry `i` of the timeline, new or (an operation that finished) updated. */
  onTimeline(i: number, e: TimelineEntry): void;
  onLog(e: LogEntry): void;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const JSON_TYPE = { 'content-type': 'application/json' };

export class Api {
  constructor(readonly key: string) {}

  async #fetch(method: string, path: string, body?: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(path, { method, headers: { authorization: `Bearer ${this.key}`, ...(body !== undefined ? JSON_TYPE : {}), ...headers }, body, signal });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new ApiError(0, 'NETWORK', `The server did not answer (${(err as Error).message})`);
    }
    if (!res.ok) {
      const text = await res.text();
      let e: { code?: string; message?: string; line?: number; column?: number } = {};
      try {
        e = (JSON.parse(text) as { error?: typeof e }).error ?? {};
      } catch {
        /* not JSON */
      }
      throw new ApiError(res.status, e.code ?? `HTTP_${res.status}`, e.message ?? (text || res.statusText), e.line, e.column);
    }
    return res;
  }

  async #json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.#fetch(method, path, body === undefined ? undefined : JSON.stringify(body));
    return (res.status === 204 ? undefined : await res.json()) as T;
  }

  listScripts = () => this.#json<Script[]>('GET', '/api/v1/scripts');
  getScript = (id: string) => this.#json<Script>('GET', `/api/v1/scripts/${enc(id)}`);
  createScript = (s: { name: string; type: ScriptType; code: string }) => this.#json<Script>('POST', '/api/v1/scripts', s);
  updateScript = (id: string, changes: { name?: string; type?: ScriptType; code?: string }) => this.#json<Script>('PUT', `/api/v1/scripts/${enc(id)}`, changes);
  deleteScript = (id: string) => this.#json<void>('DELETE', `/api/v1/scripts/${enc(id)}`);
  listVersions = (id: string) => this.#json<VersionInfo[]>('GET', `/api/v1/scripts/${enc(id)}/versions`);
  getVersion = (id: string, v: number) => this.#json<{ version: number; createdAt: string; code: string }>('GET', `/api/v1/scripts/${enc(id)}/versions/${v}`);
  deploy = (id: string, version: number) => this.#json<Script>('POST', `/api/v1/scripts/${enc(id)}/deploy`, { version });
  listExecutions = (q: { scriptId?: string; limit?: number } = {}) =>
    this.#json<ExecutionSummary[]>('GET', `/api/v1/executions?${new URLSearchParams(Object.entries(q).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]))}`);
  getExecution = (id: string) => this.#json<Execution>('GET', `/api/v1/executions/${enc(id)}`);
  route = (id: string, bodyJson: string) => this.#fetch('POST', `/api/v1/routing/${enc(id)}`, bodyJson).then((r) => r.json() as Promise<RoutingAnswer>);

  /**
   * Runs the deployed version with `dataJson` as its data, streaming: onLog for each console line
   * as it happens; resolves with the result or error event.
   */
  async run(id: string, fn: string, dataJson: string, onLog: (e: LogEntry) => void, signal?: AbortSignal): Promise<RunOutcome> {
    const path = `/api/v1/scripts/${enc(id)}/run${fn && fn !== 'main' ? `/${enc(fn)}` : ''}`;
    const res = await this.#fetch('POST', path, dataJson.trim() === '' ? undefined : dataJson, { accept: 'text/event-stream', ...(dataJson.trim() === '' ? {} : JSON_TYPE) }, signal);
    let outcome: RunOutcome | null = null;
    if (!res.body) throw new ApiError(0, 'NO_STREAM', 'The server sent no stream');
    await readSse(
      res.body,
      (e) => {
        const data = JSON.parse(e.data) as unknown;
        if (e.event === 'log') onLog(data as LogEntry);
        else if (e.event === 'result' || e.event === 'error') outcome = data as RunOutcome;
      },
      signal,
    );
    if (!outcome) throw new ApiError(0, 'STREAM_ENDED', 'The stream ended without a result');
    return outcome;
  }

  /**
   * Starts a live simulated call of the deployed version (a voice app), streaming: the call, then
   * each timeline entry and log line as it happens; resolves with the end of the call. Aborting
   * `signal` hangs up.
   */
  async call(id: string, dataJson: string, on: CallWatch, signal?: AbortSignal): Promise<CallEnd> {
    const body = dataJson.trim() === '' ? undefined : dataJson;
    const res = await this.#fetch('POST', `/api/v1/scripts/${enc(id)}/call`, body, { accept: 'text/event-stream' }, signal);
    if (!res.body) throw new ApiError(0, 'NO_STREAM', 'The server sent no stream');
    let end: CallEnd | null = null;
    await readSse(
      res.body,
      (e) => {
        const data = JSON.parse(e.data) as Record<string, unknown>;
        if (e.event === 'call') on.onCall(data as unknown as CallStart);
        else if (e.event === 'timeline') on.onTimeline(data.i as number, data.entry as TimelineEntry);
        else if (e.event === 'log') on.onLog(data as unknown as LogEntry);
        else if (e.event === 'end') end = data as unknown as CallEnd;
      },
      signal,
    );
    if (!end) throw new ApiError(0, 'STREAM_ENDED', 'The call’s stream ended without its end');
    return end;
  }

  /** The caller of a live simulated call presses digits. */
  dtmf = (callId: string, digits: string) => this.#json<{ callId: string; digits: string }>('POST', `/api/v1/calls/${enc(callId)}/dtmf`, { digits });
  /** The caller of a live simulated call hangs up. */
  hangup = (callId: string) => this.#json<{ callId: string }>('POST', `/api/v1/calls/${enc(callId)}/hangup`);
}

const enc = encodeURIComponent;
