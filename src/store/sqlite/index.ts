/**
 * The embedded store: one SQLite file (WAL mode), no other service. A write is durable once its
 * call returns: WAL with synchronous=NORMAL survives a kill -9 of the server (the OS holds the
 * committed pages), which is what "acknowledged" means here.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type {
  Account,
  AccountEgress,
  EnvVar,
  ExecutionRecord,
  NewScript,
  RoutingChain,
  VoiceNumber,
  Schedule,
  Script,
  ScriptChanges,
  ScriptVersion,
  Store,
} from '../types.js';
import { newId } from '../ids.js';
import { Cache } from './cache.js';
import { sqliteDocs } from './docs.js';
import { statements, type Sql } from './statements.js';
import { sqliteJobs } from './jobs.js';
import { sqliteKv } from './kv.js';
import { MIGRATIONS } from './schema.js';

export interface SqliteStoreOptions {
  /** Folder for the database file (created when missing); ':memory:' for a throwaway store. */
  dataDir: string;
  /** Executions kept per script; older ones are deleted. */
  executionsPerScript?: number;
  /** Scripts, routing chains and accounts kept in memory, each (default 10,000; 0 turns the caches off). */
  cacheEntries?: number;
}

type Row = Record<string, unknown>;

/** How long a routing call's execution may wait in memory before it is written, and how many may wait. */
const FLUSH_MS = 1000;
const MAX_PENDING = 20_000;

/** The executions of a batch that survive the trim to `retain` per script: the newest of each, in order. */
function newestPerScript(batch: ExecutionRecord[], retain: number): ExecutionRecord[] {
  if (batch.length <= retain) return batch;
  const seen = new Map<string, number>();
  const keep: ExecutionRecord[] = [];
  for (let i = batch.length - 1; i >= 0; i--) {
    const n = (seen.get(batch[i].scriptId) ?? 0) + 1;
    seen.set(batch[i].scriptId, n);
    if (n <= retain) keep.push(batch[i]);
  }
  return keep.reverse();
}

/** An execution's logs_json when it logged nothing (most routing calls). */
const NO_LOGS = '[]';

const now = () => new Date().toISOString();

export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #sql: Sql;
  readonly kv;
  readonly docs;
  readonly jobs;
  readonly #retain: number;
  #sinceTrim = new Map<string, number>();
  #pending: ExecutionRecord[] = [];
  #committed: Promise<void> | null = null;
  #flushTimer: NodeJS.Timeout | null = null;
  #flushError: Error | null = null;
  /**
   * What the routing path reads on every call, in memory. Exact because this store is the only
   * writer of its file: each method below that changes a script row, a routing chain or an account
   * drops the entry. Scripts by id (a script's account never changes); chains and accounts by
   * account id. Misses (null) are not kept. Entries are frozen: callers share them.
   */
  readonly #scripts: Cache<Script>;
  readonly #chains: Cache<RoutingChain>;
  readonly #accounts: Cache<Account>;
  readonly #insertExecution: Database.Statement;
  readonly #trimExecutions: Database.Statement;

  constructor(opts: SqliteStoreOptions) {
    let file = ':memory:';
    if (opts.dataDir !== ':memory:') {
      fs.mkdirSync(opts.dataDir, { recursive: true });
      file = path.join(opts.dataDir, 'scriptforge.db');
    }
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('foreign_keys = ON');
    this.#db.pragma('busy_timeout = 5000');
    this.#retain = opts.executionsPerScript ?? 1000;
    this.#migrate();
    this.#sql = statements(this.#db);
    const entries = opts.cacheEntries ?? 10_000;
    this.#scripts = new Cache(entries);
    this.#chains = new Cache(entries);
    this.#accounts = new Cache(entries);
    this.#insertExecution = this.#sql(
      `INSERT INTO executions (id, account_id, script_id, version, fn, trigger, ok, result_json, error_json, logs_json, cpu_ms, wall_ms, started_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#trimExecutions = this.#sql(
      `DELETE FROM executions WHERE script_id = ? AND seq <= (
         SELECT seq FROM executions WHERE script_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
    );
    this.kv = sqliteKv(this.#db);
    this.docs = sqliteDocs(this.#db);
    this.jobs = sqliteJobs(this.#db);
  }

  #migrate(): void {
    const current = this.#db.pragma('user_version', { simple: true }) as number;
    for (let v = current; v < MIGRATIONS.length; v++) {
      this.#db.transaction(() => {
        this.#db.exec(MIGRATIONS[v]);
        this.#db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  // --- accounts and keys --------------------------------------------------------------------------

  async createAccount(name: string): Promise<Account> {
    const a: Account = { id: newId('acct'), name, createdAt: now(), egress: {} };
    this.#sql('INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)').run(a.id, a.name, a.createdAt);
    return a;
  }

  async getAccount(id: string): Promise<Account | null> {
    const cached = this.#accounts.get(id);
    if (cached) return cached;
    const r = this.#sql('SELECT * FROM accounts WHERE id = ?').get(id) as Row | undefined;
    return r ? this.#keep(this.#accounts, id, account(r)) : null;
  }

  async setAccountEgress(id: string, egress: AccountEgress): Promise<Account | null> {
    this.#accounts.delete(id);
    this.#sql('UPDATE accounts SET egress_json = ? WHERE id = ?').run(JSON.stringify(egress), id);
    return this.getAccount(id);
  }

  async listAccounts(): Promise<Account[]> {
    return (this.#sql('SELECT * FROM accounts ORDER BY created_at').all() as Row[]).map(account);
  }

  async addApiKey(accountId: string | null, keyHash: string): Promise<void> {
    this.#sql('INSERT INTO api_keys (hash, account_id, created_at) VALUES (?, ?, ?)').run(keyHash, accountId, now());
  }

  async findApiKey(keyHash: string): Promise<{ accountId: string | null } | undefined> {
    const r = this.#sql('SELECT account_id FROM api_keys WHERE hash = ?').get(keyHash) as Row | undefined;
    return r ? { accountId: (r.account_id as string | null) ?? null } : undefined;
  }

  async hasOperatorKey(): Promise<boolean> {
    return this.#sql('SELECT 1 FROM api_keys WHERE account_id IS NULL LIMIT 1').get() !== undefined;
  }

  // --- scripts and versions -----------------------------------------------------------------------

  async createScript(accountId: string, s: NewScript): Promise<Script> {
    const id = newId('scr');
    const t = now();
    this.#db.transaction(() => {
      this.#sql(
          `INSERT INTO scripts (id, account_id, name, type, isolation, limits_json, routing_json, deployed_version, latest_version, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, 1, 1, ?, ?)`,
        )
        .run(id, accountId, s.name, s.type, s.isolation, JSON.stringify(s.limits), JSON.stringify(s.routing ?? {}), t, t);
      this.#sql('INSERT INTO versions (script_id, version, code, created_at, author) VALUES (?, 1, ?, ?, ?)').run(id, s.code, t, s.author ?? '');
    })();
    return (await this.getScript(accountId, id))!;
  }

  async getScript(accountId: string, id: string): Promise<Script | null> {
    const cached = this.#scripts.get(id);
    if (cached?.accountId === accountId) return cached;
    const r = this.#sql('SELECT * FROM scripts WHERE id = ? AND account_id = ? AND deleted = 0').get(id, accountId) as Row | undefined;
    return r ? this.#keep(this.#scripts, id, script(r)) : null;
  }

  async listScripts(accountId: string): Promise<Script[]> {
    return (this.#sql('SELECT * FROM scripts WHERE account_id = ? AND deleted = 0 ORDER BY created_at').all(accountId) as Row[]).map(script);
  }

  async updateScript(accountId: string, id: string, c: ScriptChanges): Promise<Script | null> {
    const existing = await this.getScript(accountId, id);
    if (!existing) return null;
    const t = now();
    this.#scripts.delete(id);
    this.#db.transaction(() => {
      let latest = existing.latestVersion;
      let deployed = existing.deployedVersion;
      if (c.code !== undefined) {
        latest++;
        this.#sql('INSERT INTO versions (script_id, version, code, created_at, author) VALUES (?, ?, ?, ?, ?)').run(id, latest, c.code, t, c.author ?? '');
        if (c.deploy !== false) deployed = latest;
      }
      this.#sql(
          `UPDATE scripts SET name = ?, type = ?, isolation = ?, limits_json = ?, routing_json = ?, latest_version = ?, deployed_version = ?, updated_at = ?
           WHERE id = ? AND account_id = ?`,
        )
        .run(
          c.name ?? existing.name, c.type ?? existing.type, c.isolation ?? existing.isolation,
          JSON.stringify(c.limits ?? existing.limits), JSON.stringify(c.routing ?? existing.routing), latest, deployed, t, id, accountId,
        );
    })();
    return this.getScript(accountId, id);
  }

  async deleteScript(accountId: string, id: string): Promise<boolean> {
    this.#scripts.delete(id);
    const r = this.#sql('UPDATE scripts SET deleted = 1, updated_at = ? WHERE id = ? AND account_id = ? AND deleted = 0').run(now(), id, accountId);
    if (r.changes > 0) this.#sql('DELETE FROM schedules WHERE script_id = ?').run(id);
    return r.changes > 0;
  }

  async getVersion(accountId: string, scriptId: string, version: number): Promise<ScriptVersion | null> {
    const r = this.#sql(
        `SELECT v.* FROM versions v JOIN scripts s ON s.id = v.script_id
         WHERE v.script_id = ? AND v.version = ? AND s.account_id = ? AND s.deleted = 0`,
      )
      .get(scriptId, version, accountId) as Row | undefined;
    return r ? { scriptId: r.script_id as string, version: r.version as number, code: r.code as string, createdAt: r.created_at as string, author: r.author as string } : null;
  }

  async listVersions(accountId: string, scriptId: string): Promise<Omit<ScriptVersion, 'code'>[]> {
    const rows = this.#sql(
        `SELECT v.script_id, v.version, v.created_at, v.author FROM versions v JOIN scripts s ON s.id = v.script_id
         WHERE v.script_id = ? AND s.account_id = ? AND s.deleted = 0 ORDER BY v.version`,
      )
      .all(scriptId, accountId) as Row[];
    return rows.map((r) => ({ scriptId: r.script_id as string, version: r.version as number, createdAt: r.created_at as string, author: r.author as string }));
  }

  async deploy(accountId: string, scriptId: string, version: number): Promise<Script | null> {
    if (!(await this.getVersion(accountId, scriptId, version))) return null;
    this.#scripts.delete(scriptId);
    this.#sql('UPDATE scripts SET deployed_version = ?, updated_at = ? WHERE id = ? AND account_id = ?').run(version, now(), scriptId, accountId);
    return this.getScript(accountId, scriptId);
  }

  // --- routing chains -----------------------------------------------------------------------------

  async setVoiceNumber(n: VoiceNumber): Promise<boolean> {
    const r = this.#sql(
      `INSERT INTO voice_numbers (number, account_id, script_id) VALUES (?, ?, ?)
       ON CONFLICT (number) DO UPDATE SET script_id = excluded.script_id WHERE voice_numbers.account_id = excluded.account_id`,
    ).run(n.number, n.accountId, n.scriptId);
    return r.changes > 0;
  }
  async getVoiceNumber(number: string): Promise<VoiceNumber | null> {
    const r = this.#sql('SELECT number, account_id, script_id FROM voice_numbers WHERE number = ?').get(number) as Row | undefined;
    return r ? { number: r.number as string, accountId: r.account_id as string, scriptId: r.script_id as string } : null;
  }
  async listVoiceNumbers(accountId: string): Promise<VoiceNumber[]> {
    const rows = this.#sql('SELECT number, script_id FROM voice_numbers WHERE account_id = ? ORDER BY number').all(accountId) as Row[];
    return rows.map((r) => ({ number: r.number as string, accountId, scriptId: r.script_id as string }));
  }
  async deleteVoiceNumber(accountId: string, number: string): Promise<boolean> {
    return this.#sql('DELETE FROM voice_numbers WHERE number = ? AND account_id = ?').run(number, accountId).changes > 0;
  }
  async getRoutingChain(accountId: string): Promise<RoutingChain> {
    const cached = this.#chains.get(accountId);
    if (cached) return cached;
    const r = this.#sql('SELECT run_first_json, run_last_json FROM routing_chains WHERE account_id = ?').get(accountId) as Row | undefined;
    // No row is an empty chain, kept too: most accounts have none, and the routing path asks on every call.
    const chain = r ? { runFirst: JSON.parse(r.run_first_json as string) as string[], runLast: JSON.parse(r.run_last_json as string) as string[] } : { runFirst: [], runLast: [] };
    return this.#keep(this.#chains, accountId, chain);
  }

  async setRoutingChain(accountId: string, chain: RoutingChain): Promise<void> {
    this.#chains.delete(accountId);
    this.#sql(
        `INSERT INTO routing_chains (account_id, run_first_json, run_last_json) VALUES (?, ?, ?)
         ON CONFLICT (account_id) DO UPDATE SET run_first_json = excluded.run_first_json, run_last_json = excluded.run_last_json`,
      )
      .run(accountId, JSON.stringify(chain.runFirst), JSON.stringify(chain.runLast));
  }

  // --- environment --------------------------------------------------------------------------------

  async setEnv(accountId: string, scriptId: string, vars: EnvVar[]): Promise<void> {
    if (!(await this.getScript(accountId, scriptId))) return;
    this.#db.transaction(() => {
      this.#sql('DELETE FROM env WHERE script_id = ?').run(scriptId);
      const ins = this.#sql('INSERT INTO env (script_id, name, value, secret) VALUES (?, ?, ?, ?)');
      for (const v of vars) ins.run(scriptId, v.name, v.value, v.secret ? 1 : 0);
    })();
  }

  async getEnv(accountId: string, scriptId: string): Promise<EnvVar[]> {
    const rows = this.#sql('SELECT e.* FROM env e JOIN scripts s ON s.id = e.script_id WHERE e.script_id = ? AND s.account_id = ? ORDER BY e.name')
      .all(scriptId, accountId) as Row[];
    return rows.map((r) => ({ name: r.name as string, value: r.value as string, secret: r.secret === 1 }));
  }

  // --- executions ---------------------------------------------------------------------------------

  /**
   * Group commit: the executions recorded in one turn of the event loop are written in one
   * transaction, and each caller's promise resolves once it has committed (an execution id handed
   * out is on disk). Except routing calls, which come by the thousand per second and are written
   * behind: they wait in memory up to FLUSH_MS (or until MAX_PENDING wait), and of one script's
   * executions waiting together only the newest `executionsPerScript` are written (the others would
   * be trimmed at once). Reads of executions write the waiting ones first, so an id handed out is
   * always found; a crash loses at most the last FLUSH_MS of routing records.
   */
  async recordExecution(e: ExecutionRecord): Promise<void> {
    if (this.#flushError) {
      const err = this.#flushError;
      this.#flushError = null;
      throw err;
    }
    this.#pending.push(e);
    if (e.trigger !== 'routing') {
      this.#committed ??= new Promise<void>((resolve, reject) => {
        setImmediate(() => {
          this.#committed = null;
          try {
            this.#flushExecutions();
            resolve();
          } catch (err) {
            reject(err as Error);
          }
        });
      });
      return this.#committed;
    }
    if (this.#pending.length >= MAX_PENDING) this.#writeBehind();
    else this.#flushTimer ??= setTimeout(() => this.#writeBehind(), FLUSH_MS).unref();
  }

  /** Writes what waits; a failure goes to the next caller of recordExecution. */
  #writeBehind(): void {
    try {
      this.#flushExecutions();
    } catch (err) {
      this.#flushError = err as Error;
    }
  }

  /** Writes the executions that wait, in one transaction; on failure they wait for the next try. */
  #flushExecutions(): void {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    const insert = this.#insertExecution;
    const trim = this.#trimExecutions;
    try {
      this.#db.transaction(() => {
        for (const e of newestPerScript(batch, this.#retain)) {
          insert.run(
            e.id, e.accountId, e.scriptId, e.version, e.fn, e.trigger, e.ok ? 1 : 0, e.resultJson,
            e.error ? JSON.stringify(e.error) : null, e.logs.length === 0 ? NO_LOGS : JSON.stringify(e.logs), e.cpuMs, e.wallMs, e.startedAt,
          );
          const n = (this.#sinceTrim.get(e.scriptId) ?? 0) + 1;
          this.#sinceTrim.set(e.scriptId, n);
          if (n >= 50) {
            this.#sinceTrim.set(e.scriptId, 0);
            trim.run(e.scriptId, e.scriptId, this.#retain);
          }
        }
      })();
    } catch (err) {
      this.#pending = batch.concat(this.#pending).slice(-MAX_PENDING);
      throw err;
    }
  }

  async getExecution(accountId: string, id: string): Promise<ExecutionRecord | null> {
    this.#writeBehind();
    const r = this.#sql('SELECT * FROM executions WHERE id = ? AND account_id = ?').get(id, accountId) as Row | undefined;
    return r ? execution(r) : null;
  }

  async listExecutions(accountId: string, q: { scriptId?: string; limit: number }): Promise<Omit<ExecutionRecord, 'logs' | 'resultJson'>[]> {
    this.#writeBehind();
    const rows = (
      q.scriptId
        ? this.#sql('SELECT * FROM executions WHERE account_id = ? AND script_id = ? ORDER BY seq DESC LIMIT ?').all(accountId, q.scriptId, q.limit)
        : this.#sql('SELECT * FROM executions WHERE account_id = ? ORDER BY seq DESC LIMIT ?').all(accountId, q.limit)
    ) as Row[];
    return rows.map((r) => {
      const { logs: _logs, resultJson: _result, ...rest } = execution(r);
      return rest;
    });
  }

  // --- schedules ----------------------------------------------------------------------------------

  async setSchedule(s: Schedule): Promise<void> {
    this.#sql(
        `INSERT INTO schedules (script_id, account_id, cron, timezone, data_json) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (script_id) DO UPDATE SET cron = excluded.cron, timezone = excluded.timezone, data_json = excluded.data_json`,
      )
      .run(s.scriptId, s.accountId, s.cron, s.timezone, JSON.stringify(s.data ?? null));
  }

  async getSchedule(accountId: string, scriptId: string): Promise<Schedule | null> {
    const r = this.#sql('SELECT * FROM schedules WHERE script_id = ? AND account_id = ?').get(scriptId, accountId) as Row | undefined;
    return r ? schedule(r) : null;
  }

  async deleteSchedule(accountId: string, scriptId: string): Promise<boolean> {
    return this.#sql('DELETE FROM schedules WHERE script_id = ? AND account_id = ?').run(scriptId, accountId).changes > 0;
  }

  async listSchedules(): Promise<Schedule[]> {
    return (this.#sql('SELECT * FROM schedules').all() as Row[]).map(schedule);
  }

  async close(): Promise<void> {
    await this.#committed;
    this.#writeBehind();
    this.#db.close();
    this.#scripts.clear();
    this.#chains.clear();
    this.#accounts.clear();
  }

  /** Keeps a value read from the database (when the cache is on), frozen. */
  #keep<V>(cache: Cache<V>, key: string, value: V): V {
    return cache.max > 0 ? cache.set(key, value) : value;
  }
}

function account(r: Row): Account {
  return { id: r.id as string, name: r.name as string, createdAt: r.created_at as string, egress: JSON.parse(r.egress_json as string) as AccountEgress };
}

function script(r: Row): Script {
  return {
    id: r.id as string,
    accountId: r.account_id as string,
    name: r.name as string,
    type: r.type as Script['type'],
    isolation: r.isolation as Script['isolation'],
    limits: JSON.parse(r.limits_json as string) as Script['limits'],
    routing: JSON.parse(r.routing_json as string) as Script['routing'],
    deployedVersion: r.deployed_version as number,
    latestVersion: r.latest_version as number,
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  };
}

function execution(r: Row): ExecutionRecord {
  return {
    id: r.id as string,
    accountId: r.account_id as string,
    scriptId: r.script_id as string,
    version: r.version as number,
    fn: r.fn as string,
    trigger: r.trigger as ExecutionRecord['trigger'],
    ok: r.ok === 1,
    resultJson: (r.result_json as string | null) ?? null,
    error: r.error_json ? (JSON.parse(r.error_json as string) as ExecutionRecord['error']) : null,
    logs: JSON.parse(r.logs_json as string) as ExecutionRecord['logs'],
    cpuMs: r.cpu_ms as number,
    wallMs: r.wall_ms as number,
    startedAt: r.started_at as string,
  };
}

function schedule(r: Row): Schedule {
  return {
    scriptId: r.script_id as string,
    accountId: r.account_id as string,
    cron: r.cron as string,
    timezone: r.timezone as string,
    data: JSON.parse(r.data_json as string) as unknown,
  };
}
