/**
 * Runs a stored script for its account and records the execution: the one path that the run API,
 * forms, drivers and schedules all take. It knows the store and the engine; nothing of HTTP.
 */
import os from 'node:os';
import { ExecutionError, ScriptSyntaxError, type Engine, type ErrorInfo, type ExecutionResult, type Limits, type LogEntry } from '../engine/index.js';
import { moduleHost, type ModuleConfig, type ModuleServices } from '../modules/index.js';
import { prepare, type Prepared } from '../runtime/index.js';
import { newId, type AccountEgress, type Script, type Store, type Trigger } from '../store/index.js';

export interface RunStored {
  accountId: string;
  scriptId: string;
  /** The script, when the caller has just read it (saves reading it again on a hot path). */
  script?: Script;
  fn?: string;
  /** The data argument as JSON text ('' for none). */
  input: string;
  trigger: Trigger;
  onLog?: (entry: LogEntry) => void;
  /** Over the script's own limits (a routing call's time box). */
  limits?: Partial<Limits>;
  /** `undefined` from main passes on the data as the script left it (Class 4 routing), with a warning. */
  returnInputIfUndefined?: boolean;
  /** Aborting it stops the execution (its reason, a typed error, is what is recorded). */
  signal?: AbortSignal;
  /**
   * Checks a successful result (a driver's shape, a form's redirect): an error makes the execution
   * a failure, recorded and counted as one.
   */
  check?: (result: unknown) => (ErrorInfo & Record<string, unknown>) | null;
}

export type StoredOutcome =
  | { found: false }
  | {
      found: true;
      executionId: string;
      script: Script;
      ok: boolean;
      resultJson: string | null;
      error: ErrorInfo | null;
      logs: LogEntry[];
      cpuMs: number;
      wallMs: number;
    };

/** Checks code as it would run (syntax, type, modules); throws the typed error with its position. */
export function checkCode(engine: Engine, code: string, type: Script['type'], accountId = 'check'): Prepared {
  return prepare(code, { type, tenant: accountId, filename: 'script.js', availableModules: engine.moduleNames });
}

export interface ExecutorOptions {
  /** Told of every finished execution: its trigger, outcome ('ok' or the error code) and wall time. */
  onFinished?: (trigger: Trigger, outcome: string, wallMs: number) => void;
  /** The modules' clock (KV expiry): injectable for tests. */
  now?: () => number;
  /** Operator configuration of the modules. */
  modules?: ModuleConfig;
  /** The server's pub/sub bus and job runner. */
  services?: ModuleServices;
}

export class Executor {
  readonly #prepared = new Map<string, Prepared>();
  /** Environment per script version, until the script or its variables change (forget()). */
  readonly #envs = new Map<string, Record<string, string>>();
  /** Egress policy per account, until an operator changes it (forgetAccount()). */
  readonly #egress = new Map<string, AccountEgress>();
  readonly #onFinished: NonNullable<ExecutorOptions['onFinished']>;
  readonly #now: () => number;

  constructor(
    readonly store: Store,
    readonly engine: Engine,
    readonly options: ExecutorOptions = {},
  ) {
    this.#onFinished = options.onFinished ?? (() => {});
    this.#now = options.now ?? Date.now;
  }

  async run(r: RunStored): Promise<StoredOutcome> {
    const script = r.script ?? (await this.store.getScript(r.accountId, r.scriptId));
    if (!script) return { found: false };
    const version = script.deployedVersion;
    const startedAt = new Date().toISOString();
    let prepared: Prepared;
    try {
      prepared = await this.#prepare(script, version);
    } catch (err) {
      if (!(err instanceof ExecutionError)) throw err;
      return this.#record(r, script, version, startedAt, { ok: false, error: err, logs: [], cpuMs: 0, wallMs: 0 });
    }
    const env = await this.#env(script, version);
    // A script (synchronous) cannot reach a module: no module host to make for it.
    const host = script.type === 'script' ? null : await this.#host(r.accountId);
    const res = await this.engine.execute({
      script: prepared,
      type: script.type,
      fn: r.fn,
      input: r.input,
      limits: r.limits ? { ...script.limits, ...r.limits } : script.limits,
      returnInputIfUndefined: r.returnInputIfUndefined,
      signal: r.signal,
      isolation: script.isolation,
      env,
      onLog: r.onLog,
      host: host ?? undefined,
    }).finally(() => host?.dispose());
    return this.#record(r, script, version, startedAt, res);
  }

  /**
   * What a stored script's deployed version runs with, for a caller that runs it another way (a
   * simulated Class 5 call, through runCall): its code, environment and the account's module host,
   * which the caller disposes of once done. Null when there is no such script.
   */
  async runtimeOf(accountId: string, scriptId: string): Promise<{ script: Script; version: number; code: string; env: Record<string, string>; host: ReturnType<typeof moduleHost> } | null> {
    const script = await this.store.getScript(accountId, scriptId);
    if (!script) return null;
    const version = script.deployedVersion;
    const v = await this.store.getVersion(accountId, scriptId, version);
    if (!v) return null;
    return { script, version, code: v.code, env: await this.#env(script, version), host: await this.#host(accountId) };
  }

  async #host(accountId: string): Promise<ReturnType<typeof moduleHost>> {
    return moduleHost({
      store: this.store,
      accountId,
      egress: await this.#accountEgress(accountId),
      config: this.options.modules,
      services: this.options.services,
      now: this.#now,
    });
  }

  async #record(r: RunStored, script: Script, version: number, startedAt: string, res: ExecutionResult): Promise<StoredOutcome> {
    let checked: ErrorInfo | null = null;
    if (res.ok && r.check) checked = r.check(JSON.parse(res.resultJson) as unknown);
    if (checked) {
      // Said in the logs too, where whoever reads the execution looks first.
      const logs = [...res.logs, { level: 'error' as const, ts: Date.now(), message: `${checked.name}: ${checked.message}` }];
      res = { ok: false, error: Object.assign(new ExecutionError(checked.code, checked.message), checked), logs, cpuMs: res.cpuMs, wallMs: res.wallMs };
    }
    const outcome = {
      found: true as const,
      executionId: newId('exe'),
      script,
      ok: res.ok,
      resultJson: res.ok ? res.resultJson : null,
      error: res.ok ? null : checked ?? res.error.toJSON(),
      logs: res.logs,
      cpuMs: res.cpuMs,
      wallMs: res.wallMs,
    };
    await this.store.recordExecution({
      id: outcome.executionId, accountId: r.accountId, scriptId: script.id, version, fn: r.fn ?? 'main', trigger: r.trigger,
      ok: outcome.ok, resultJson: outcome.resultJson, error: outcome.error, logs: outcome.logs, cpuMs: outcome.cpuMs,
      wallMs: outcome.wallMs, startedAt,
    });
    this.#onFinished(r.trigger, outcome.ok ? 'ok' : (outcome.error?.code ?? 'SCRIPT_ERROR'), outcome.wallMs);
    return outcome;
  }

  async #prepare(script: Script, version: number): Promise<Prepared> {
    const key = `${script.id}@${version}:${script.type}`;
    let p = this.#prepared.get(key);
    if (!p) {
      const v = await this.store.getVersion(script.accountId, script.id, version);
      if (!v) throw new ScriptSyntaxError(`version ${version} of ${script.id} is missing`);
      p = prepare(v.code, { type: script.type, tenant: script.accountId, filename: `${script.name}.js`, availableModules: this.engine.moduleNames });
      this.#prepared.set(key, p);
      if (this.#prepared.size > 5000) this.#prepared.delete(this.#prepared.keys().next().value as string);
    }
    return p;
  }

  /** Drops what is cached of a script (after a change to it or its environment). */
  forget(scriptId: string): void {
    for (const k of this.#envs.keys()) if (k.startsWith(`${scriptId}@`)) this.#envs.delete(k);
  }

  /** Drops what is cached of an account (after an operator changed its egress policy). */
  forgetAccount(accountId: string): void {
    this.#egress.delete(accountId);
  }

  async #accountEgress(accountId: string): Promise<AccountEgress> {
    let e = this.#egress.get(accountId);
    if (!e) {
      e = (await this.store.getAccount(accountId))?.egress ?? {};
      this.#egress.set(accountId, e);
      if (this.#egress.size > 10_000) this.#egress.delete(this.#egress.keys().next().value as string);
    }
    return e;
  }

  async #env(script: Script, version: number): Promise<Record<string, string>> {
    const key = `${script.id}@${version}`;
    const cached = this.#envs.get(key);
    if (cached) return cached;
    const env: Record<string, string> = {};
    for (const v of await this.store.getEnv(script.accountId, script.id)) env[v.name] = v.value;
    Object.assign(env, {
      SCRIPTFORGE_ID: script.id,
      SCRIPTFORGE_NAME: script.name,
      SCRIPTFORGE_VERSION: String(version),
      ACCOUNT_ID: script.accountId,
      EXEC_HOST: os.hostname(),
    });
    this.#envs.set(key, env);
    if (this.#envs.size > 5000) this.#envs.delete(this.#envs.keys().next().value as string);
    return env;
  }
}
