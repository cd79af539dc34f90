/**
 * What ScriptForge keeps, and the interface every storage implementation offers. Callers see only
 * this: the embedded SQLite store today, PostgreSQL and Redis for multi-node deployments later.
 * Every read and write that concerns customer data takes the account id: one account never
 * reaches another's rows, whatever id it names.
 */
import type { ExecutionType, Isolation, Limits, LogEntry } from '../engine/index.js';
import type { ErrorInfo } from '../engine/index.js';

export interface Account {
  id: string;
  name: string;
  createdAt: string;
  /** Where this account's scripts may connect (fetch, axios, cxRest): set by operators. */
  egress: AccountEgress;
}

/**
 * An account's egress policy as operators set it; what is not set takes the defaults (loopback,
 * private, link-local, unique-local and metadata addresses refused; see src/modules/fetch/egress.ts).
 */
export interface AccountEgress {
  /** Exceptions to the refused ranges: addresses, CIDRs or host names ('api.corp', '*.corp'). */
  allow?: string[];
  /** Whether public addresses are reachable (default true). */
  publicInternet?: boolean;
  timeoutMs?: number;
  maxResponseBytes?: number;
  ratePerSecond?: number;
  burst?: number;
  maxRedirects?: number;
}

export interface Script {
  id: string;
  accountId: string;
  name: string;
  type: ExecutionType;
  isolation: Isolation;
  limits: Partial<Limits>;
  /** How a Class 4 routing call treats this script (time box, actions): unset fields take the defaults. */
  routing: Partial<RoutingSettings>;
  /** The version that runs. */
  deployedVersion: number;
  latestVersion: number;
  createdAt: string;
  updatedAt: string;
}

/** A routing script's time box and what its failures answer (PRODUCT.md §6.1). */
export interface RoutingSettings {
  /** The script's answer must come within this (default 2000). */
  timeoutMs: number;
  /** 'continue' (pass the input on unchanged) or '<SIP code> <reason>', e.g. '503 Routing Script Timeout'. */
  onTimeout: string;
  /** The same, for an error or an invalid output. */
  onError: string;
}

/** Scripts an account runs around every routing call: first, then the call's own script, then last. */
export interface RoutingChain {
  runFirst: string[];
  runLast: string[];
}

export interface ScriptVersion {
  scriptId: string;
  version: number;
  code: string;
  createdAt: string;
  /** Who saved it: the API key's fingerprint (`key:1a2b3c4d5e`), '' for versions from before. */
  author: string;
}

export interface EnvVar {
  name: string;
  value: string;
  secret: boolean;
}

export type Trigger = 'api' | 'form' | 'driver' | 'schedule' | 'job' | 'routing' | 'voice';

/** A phone number whose incoming SIP calls run an account's voice script. */
export interface VoiceNumber {
  number: string;
  accountId: string;
  scriptId: string;
}

export interface ExecutionRecord {
  id: string;
  accountId: string;
  scriptId: string;
  version: number;
  fn: string;
  trigger: Trigger;
  ok: boolean;
  /** Result as JSON text (when ok). */
  resultJson: string | null;
  error: ErrorInfo | null;
  logs: LogEntry[];
  cpuMs: number;
  wallMs: number;
  startedAt: string;
}

export interface Schedule {
  scriptId: string;
  accountId: string;
  cron: string;
  timezone: string;
  data: unknown;
}

export interface NewScript {
  name: string;
  type: ExecutionType;
  code: string;
  isolation: Isolation;
  limits: Partial<Limits>;
  routing?: Partial<RoutingSettings>;
  /** Who saves it (see ScriptVersion.author). */
  author?: string;
}

export interface ScriptChanges {
  name?: string;
  type?: ExecutionType;
  isolation?: Isolation;
  limits?: Partial<Limits>;
  routing?: Partial<RoutingSettings>;
  /** New code makes a new version. */
  code?: string;
  /** Who saves the new version. */
  author?: string;
  /** Deploy the new version (default true). */
  deploy?: boolean;
}

export interface Store {
  createAccount(name: string): Promise<Account>;
  getAccount(id: string): Promise<Account | null>;
  /** Replaces an account's egress policy; null when there is no such account. */
  setAccountEgress(id: string, egress: AccountEgress): Promise<Account | null>;
  listAccounts(): Promise<Account[]>;
  /** Stores a key's hash; the key itself is never stored. accountId null is an operator key. */
  addApiKey(accountId: string | null, keyHash: string): Promise<void>;
  /** Whose key has this hash: an account id, null for an operator, undefined when unknown. */
  findApiKey(keyHash: string): Promise<{ accountId: string | null } | undefined>;
  hasOperatorKey(): Promise<boolean>;

  createScript(accountId: string, s: NewScript): Promise<Script>;
  getScript(accountId: string, id: string): Promise<Script | null>;
  listScripts(accountId: string): Promise<Script[]>;
  updateScript(accountId: string, id: string, changes: ScriptChanges): Promise<Script | null>;
  deleteScript(accountId: string, id: string): Promise<boolean>;
  getVersion(accountId: string, scriptId: string, version: number): Promise<ScriptVersion | null>;
  listVersions(accountId: string, scriptId: string): Promise<Omit<ScriptVersion, 'code'>[]>;
  deploy(accountId: string, scriptId: string, version: number): Promise<Script | null>;

  getRoutingChain(accountId: string): Promise<RoutingChain>;
  setRoutingChain(accountId: string, chain: RoutingChain): Promise<void>;

  setEnv(accountId: string, scriptId: string, vars: EnvVar[]): Promise<void>;
  getEnv(accountId: string, scriptId: string): Promise<EnvVar[]>;

  recordExecution(e: ExecutionRecord): Promise<void>;
  getExecution(accountId: string, id: string): Promise<ExecutionRecord | null>;
  listExecutions(accountId: string, q: { scriptId?: string; limit: number }): Promise<Omit<ExecutionRecord, 'logs' | 'resultJson'>[]>;

  /** Maps a number to a voice script; false when another account has the number. */
  setVoiceNumber(n: VoiceNumber): Promise<boolean>;
  /** Whose the number is (any account: an incoming call's lookup). */
  getVoiceNumber(number: string): Promise<VoiceNumber | null>;
  listVoiceNumbers(accountId: string): Promise<VoiceNumber[]>;
  deleteVoiceNumber(accountId: string, number: string): Promise<boolean>;

  setSchedule(s: Schedule): Promise<void>;
  getSchedule(accountId: string, scriptId: string): Promise<Schedule | null>;
  deleteSchedule(accountId: string, scriptId: string): Promise<boolean>;
  listSchedules(): Promise<Schedule[]>;

  /** Key/value data of an account (cxKV). `now` is milliseconds since the epoch (injectable for tests). */
  kv: KvStore;
  /** Document areas of an account (cxUserspace). */
  docs: DocStore;
  /** Background runs (cxJob). */
  jobs: JobStore;

  close(): Promise<void>;
}

export interface KvStore {
  /** The value (strings as stored; JSON objects as their JSON text), or null when missing or expired. */
  get(accountId: string, key: string, now: number): Promise<{ value: string; json: boolean } | null>;
  set(accountId: string, key: string, value: string, json: boolean, ttlSeconds: number, now: number): Promise<void>;
  /** Atomic: adds `by` to the number stored (0 when missing or expired); sets the expiry when given. */
  incr(accountId: string, key: string, by: number, expireSeconds: number, now: number): Promise<number>;
  delete(accountId: string, key: string): Promise<boolean>;
  keys(accountId: string, prefix: string, now: number, limit: number): Promise<string[]>;
  usage(accountId: string, now: number): Promise<{ keys: number; bytes: number }>;
}

export interface DocStore {
  /** False when the key exists already. */
  create(accountId: string, area: string, key: string, json: string): Promise<boolean>;
  read(accountId: string, area: string, key: string): Promise<string | null>;
  /** False when the key does not exist. */
  update(accountId: string, area: string, key: string, json: string): Promise<boolean>;
  delete(accountId: string, area: string, key: string): Promise<boolean>;
  list(accountId: string, area: string, prefix: string, limit: number): Promise<{ key: string; json: string }[]>;
  /** Documents and bytes of an account, all areas. */
  usage(accountId: string): Promise<{ docs: number; bytes: number }>;
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

/** A background run of a script's function (cxJob), retried with exponential backoff. */
export interface Job {
  id: string;
  accountId: string;
  scriptId: string;
  fn: string;
  /** The data argument as JSON text. */
  dataJson: string;
  status: JobStatus;
  /** Runs started so far. */
  attempts: number;
  maxAttempts: number;
  /** The wait before the second run; doubled before each later one. */
  backoffMs: number;
  /** When it runs next (queued) or last started (otherwise): milliseconds since the epoch. */
  runAt: number;
  resultJson: string | null;
  error: ErrorInfo | null;
  /** The execution of the latest run (its logs). */
  lastExecutionId: string | null;
  createdAt: string;
  updatedAt: string;
}

export type NewJob = Pick<Job, 'id' | 'accountId' | 'scriptId' | 'fn' | 'dataJson' | 'maxAttempts' | 'backoffMs' | 'runAt'>;

export interface JobStore {
  add(job: NewJob): Promise<Job>;
  get(accountId: string, id: string): Promise<Job | null>;
  list(accountId: string, q: { status?: JobStatus; limit: number }): Promise<Job[]>;
  /** Jobs of the account that have not ended (queued or running): for its quota. */
  countActive(accountId: string): Promise<number>;
  /** Marks up to `limit` queued jobs that are due `running`, counts the attempt, and returns them. */
  claim(now: number, limit: number): Promise<Job[]>;
  /** When the next queued job is due (ms since the epoch), or null. */
  nextDue(): Promise<number | null>;
  /** The end of a run: succeeded or failed for good, or queued again for `runAt`. */
  settle(id: string, s: { status: 'succeeded' | 'failed' | 'queued'; runAt?: number; resultJson?: string | null; error?: ErrorInfo | null; executionId: string | null }): Promise<void>;
  /** After a restart: runs that were cut off are queued again (now). Returns how many. */
  requeueRunning(now: number): Promise<number>;
}
