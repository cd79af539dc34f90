/**
 * The isolates of one worker process: one V8 isolate per tenant (and memory limit), so that one
 * account's memory bomb or heap never touches another's; inside it, contexts that carry the guest
 * prelude. Fresh executions share idle contexts (the prelude restores the global state before each
 * one); `reuse` executions get a warm context of their own per script version.
 */
import ivm from 'isolated-vm';
import type { ModuleDefinition } from '../types.js';

/** What the worker keeps of a script version; `meta` goes into the guest as JSON. */
export interface ScriptSource {
  key: string;
  source: string;
  filename: string;
  lineOffset: number;
  meta: string;
  modules: string[];
}

export interface GuestApi {
  run: ivm.Reference<(...a: string[]) => string>;
  poll: ivm.Reference<(...a: unknown[]) => string>;
  abandon: ivm.Reference<(id: number) => string>;
  defineScript: ivm.Reference<(...a: unknown[]) => void>;
  defineModule: ivm.Reference<(...a: unknown[]) => void>;
}

export class GuestContext {
  readonly scripts = new Set<string>();
  readonly modules = new Set<string>();
  /** Never used yet: the next fresh execution may skip the restore. */
  clean = true;
  constructor(
    readonly context: ivm.Context,
    readonly api: GuestApi,
  ) {}
  release(): void {
    try {
      this.context.release();
    } catch {
      /* the isolate is gone already */
    }
  }
}

export interface PoolOptions {
  preludeSource: string;
  modules: Map<string, ModuleDefinition>;
  /** Tenants whose isolates stay warm in this worker; the least recently used goes first. */
  maxTenants: number;
  /** Warm `reuse` contexts per tenant. */
  maxReuseContexts: number;
  /** Idle fresh contexts kept per tenant. */
  maxIdleContexts: number;
}

export class Tenant {
  readonly compiled = new Map<string, ivm.Script>();
  readonly compiledModules = new Map<string, ivm.Script>();
  readonly idle: GuestContext[] = [];
  readonly reuse = new Map<string, GuestContext>();
  prelude: ivm.Script | null = null;
  constructor(readonly isolate: ivm.Isolate) {}

  dispose(): void {
    if (!this.isolate.isDisposed) this.isolate.dispose();
  }
}

const TIMEOUT_SETUP_MS = 5_000;

export class IsolatePool {
  readonly #tenants = new Map<string, Tenant>();
  /** V8 code cache per script version and module, shared by all isolates of this worker. */
  readonly #codeCache = new Map<string, ivm.ExternalCopy<ArrayBuffer>>();
  readonly #opts: PoolOptions;

  constructor(opts: PoolOptions) {
    this.#opts = opts;
  }

  /** Compilations of customer scripts that reused V8's code cache, and those that parsed from scratch. */
  readonly codeCacheStats = { hits: 0, misses: 0 };

  get tenantCount(): number {
    return this.#tenants.size;
  }

  tenant(tenantId: string, memoryMb: number): Tenant {
    const id = `${tenantId}/${memoryMb}`;
    let t = this.#tenants.get(id);
    if (t && t.isolate.isDisposed) {
      this.#tenants.delete(id);
      t = undefined;
    }
    if (t) {
      // Map order is the LRU order.
      this.#tenants.delete(id);
      this.#tenants.set(id, t);
      return t;
    }
    t = new Tenant(new ivm.Isolate({ memoryLimit: memoryMb }));
    this.#tenants.set(id, t);
    while (this.#tenants.size > this.#opts.maxTenants) {
      const [oldest, victim] = this.#tenants.entries().next().value as [string, Tenant];
      this.#tenants.delete(oldest);
      victim.dispose();
    }
    return t;
  }

  /** A context ready to run `script`: its own warm one (reuse) or an idle shared one (fresh). */
  acquire(t: Tenant, script: ScriptSource, reuse: boolean): GuestContext {
    let gc: GuestContext | undefined;
    if (reuse) {
      gc = t.reuse.get(script.key);
      if (gc) {
        t.reuse.delete(script.key);
        t.reuse.set(script.key, gc);
      } else {
        gc = this.#newContext(t);
        t.reuse.set(script.key, gc);
        while (t.reuse.size > this.#opts.maxReuseContexts) {
          const [k, victim] = t.reuse.entries().next().value as [string, GuestContext];
          t.reuse.delete(k);
          victim.release();
        }
      }
    } else {
      gc = t.idle.pop() ?? this.#newContext(t);
    }
    this.#define(t, gc, script);
    return gc;
  }

  /** Gives back a fresh context; a tampered one (or one over the idle cap) is released. */
  giveBack(t: Tenant, gc: GuestContext, discard: boolean): void {
    if (discard || t.idle.length >= this.#opts.maxIdleContexts || t.isolate.isDisposed) gc.release();
    else t.idle.push(gc);
  }

  discardReuse(t: Tenant, key: string): void {
    const gc = t.reuse.get(key);
    if (gc) {
      t.reuse.delete(key);
      gc.release();
    }
  }

  #newContext(t: Tenant): GuestContext {
    const context = t.isolate.createContextSync();
    if (!t.prelude) {
      t.prelude = this.#compile(t, 'sf:prelude', this.#opts.preludeSource, 'sf:prelude', 0);
    }
    const api = t.prelude.runSync(context, { reference: true, timeout: TIMEOUT_SETUP_MS }) as ivm.Reference<Record<string, unknown>>;
    const get = (name: string) => api.getSync(name, { reference: true }) as ivm.Reference<never>;
    const gc = new GuestContext(context, {
      run: get('run'),
      poll: get('poll'),
      abandon: get('abandon'),
      defineScript: get('defineScript'),
      defineModule: get('defineModule'),
    });
    api.release();
    return gc;
  }

  #define(t: Tenant, gc: GuestContext, script: ScriptSource): void {
    for (const name of script.modules) this.#defineModule(t, gc, name, new Set());
    if (gc.scripts.has(script.key)) return;
    let compiled = t.compiled.get(script.key);
    if (!compiled) {
      compiled = this.#compile(t, script.key, script.source, script.filename, script.lineOffset, true);
      t.compiled.set(script.key, compiled);
    }
    const factory = compiled.runSync(gc.context, { reference: true, timeout: TIMEOUT_SETUP_MS }) as ivm.Reference<unknown>;
    gc.api.defineScript.applySync(undefined, [script.key, factory.derefInto(), script.meta], { timeout: TIMEOUT_SETUP_MS });
    factory.release();
    gc.scripts.add(script.key);
  }

  #defineModule(t: Tenant, gc: GuestContext, name: string, visiting: Set<string>): void {
    if (gc.modules.has(name) || visiting.has(name)) return;
    const def = this.#opts.modules.get(name);
    if (!def) return; // the guest's require() names the missing module, at the customer's line
    visiting.add(name);
    for (const dep of def.deps ?? []) this.#defineModule(t, gc, dep, visiting);
    let compiled = t.compiledModules.get(name);
    if (!compiled) {
      const wrapped = `(function (module, exports, require, host) {\n${def.source}\n})`;
      compiled = this.#compile(t, `module:${name}`, wrapped, `sf:module/${name}`, -1);
      t.compiledModules.set(name, compiled);
    }
    const factory = compiled.runSync(gc.context, { reference: true, timeout: TIMEOUT_SETUP_MS }) as ivm.Reference<unknown>;
    gc.api.defineModule.applySync(undefined, [name, factory.derefInto()], { timeout: TIMEOUT_SETUP_MS });
    factory.release();
    gc.modules.add(name);
  }

  #compile(t: Tenant, cacheKey: string, source: string, filename: string, lineOffset: number, customer = false): ivm.Script {
    const cachedData = this.#codeCache.get(cacheKey);
    const script = t.isolate.compileScriptSync(source, {
      filename,
      lineOffset,
      ...(cachedData ? { cachedData } : { produceCachedData: true }),
    });
    const rejected = (script as unknown as { cachedDataRejected?: boolean }).cachedDataRejected === true;
    if (customer) this.codeCacheStats[cachedData && !rejected ? 'hits' : 'misses']++;
    const produced = (script as unknown as { cachedData?: ivm.ExternalCopy<ArrayBuffer> }).cachedData;
    if (produced) {
      this.#codeCache.set(cacheKey, produced);
      if (this.#codeCache.size > 4096) {
        const oldest = this.#codeCache.keys().next().value as string;
        this.#codeCache.delete(oldest);
      }
    }
    return script;
  }

  forgetScript(key: string): void {
    this.#codeCache.delete(key);
    for (const t of this.#tenants.values()) {
      t.compiled.delete(key);
      this.discardReuse(t, key);
    }
  }
}
