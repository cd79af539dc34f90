/**
 * What customer code sees in ScriptForge, for the IDE's editor: the `data` of a Class 4 routing
 * call, the Class 5 `ctx`, the platform modules (require('cxKV')...) and the sandbox's globals
 * (PRODUCT.md §5, §6). Monaco's TypeScript worker reads this file as an extra library; in plain
 * JavaScript a JSDoc line types main's parameters:
 *
 *   /** @param {ScriptForge.Data} data @param {ScriptForge.Ctx} ctx *\/
 *   async function main(data, ctx) { ... }
 *
 * The sandbox has the ES2023 language and only the globals declared here (no DOM, no Node).
 */

declare namespace ScriptForge {
  /** A SIP header: `{ key: 'X-Customer-ID', value: '1042' }`. */
  interface Header {
    key: string;
    value: string;
  }

  /** A SIP header to remove, by name: `{ key: 'X-Internal' }`. */
  interface HeaderName {
    key: string;
  }

  /** One gateway of a route: where the INVITE goes and with which caller ID. */
  interface Gateway {
    /** The caller ID presented on this gateway. Change it together with `routing.cli`. */
    cli: string;
    /** The gateway's address. */
    ip?: string;
    port?: number;
    [field: string]: unknown;
  }

  /** One route the routing engine chose for the call, in order of preference. */
  interface EgressRoute {
    /** The carrier's name, e.g. "Carrier A". */
    carrier?: string;
    /** The rate-card prefix that matched. */
    prefix?: string;
    /** Price per minute. */
    rate?: number;
    /** Lower is tried first. */
    priority?: number;
    /**
     * The route's gateways, by gateway id: `{ "301": { cli, ip, port } }`. Changing the CLI means
     * changing each gateway's `cli`:
     *
     *   Object.keys(route.gw).forEach((id) => { route.gw[id].cli = cli; });
     */
    gw: { [gatewayId: string]: Gateway };
    /** SIP headers added on this route. */
    headers?: Header[];
    /** SIP headers removed on this route. */
    remove_headers?: HeaderName[];
    [field: string]: unknown;
  }

  /** Where the call came from. */
  interface Ingress {
    ip: string;
    port: number;
    user_agent?: string;
  }

  /** `data.routing`: the call as the routing engine sees it, and the routes it chose. */
  interface Routing {
    /** The call's SIP Call-ID. */
    callid?: string;
    /** The customer account the call belongs to. */
    account_id: number | string;
    /** The switch handling the call, e.g. "sbc-ams-1". */
    server: string;
    /** The caller ID (A-number). To present another number, also change every `egress_routing[i].gw[id].cli`. */
    cli: string;
    /** The dialled number (B-number), after the switch's normalisation. */
    dest_number: string;
    /** The technical prefix the customer dialled with, if any. */
    tech_prefix?: string;
    ingress?: Ingress;
    /** SIP headers added on every route. */
    headers?: Header[];
    /** SIP headers removed on every route. */
    remove_headers?: HeaderName[];
    /** The routes chosen for the call, in order. Remove one to skip it; reorder to change preference. */
    egress_routing: EgressRoute[];
    [field: string]: unknown;
  }

  /**
   * A Class 4 routing call's data: `routing`, plus the variables operators configured (TOML)
   * merged in as objects, e.g. `data.hours.tz`. Return it (changed), or throw
   * `new Error('604 Number on DNC List')` to reject the call with a SIP code and reason.
   */
  interface RoutingData {
    routing: Routing;
    [variable: string]: any;
  }

  /** The data argument of main: a routing call's data, a form's fields, a run's JSON body. */
  interface Data {
    /** Present in Class 4 routing calls. */
    routing: Routing;
    [field: string]: any;
  }

  /** What `ctx.ivr()` collected. */
  interface IvrResult {
    status: 'success' | 'timeout' | 'invalid' | 'hangup';
    /** The digits entered (without the terminator). */
    value: string;
  }

  interface IvrOptions {
    /** How many times the prompt is played before giving up (default 1). */
    tries?: number;
    /** Played after an invalid entry, before the next try. */
    invalid_file?: string;
    /** The digits must match this to be a success. */
    regexp?: string | RegExp;
    /** Where to transfer the call when every try failed. */
    transfer_on_failure?: string;
  }

  /** The second leg of a bridged call. */
  interface BridgeResult {
    /** `completed` when it was answered (then ended), else why it was not. */
    status: 'completed' | 'busy' | 'no-answer' | 'failed';
    /** The final SIP response code of the B-leg. */
    sipCode: number;
    durationMs: number;
  }

  /** Speech options for `ctx.tts()`. */
  interface TtsOptions {
    /** A voice name, e.g. "en-gb". */
    voice?: string;
    /** Words per minute. */
    rate?: number;
  }

  /**
   * Class 5 programmable voice: the live call. Every `await ctx.x()` resolves when the telephony
   * side has finished that operation. Starting an operation while another is pending (except
   * `waitFor`) throws an error naming both: keep every `await`. When the caller hangs up, the
   * pending operation rejects with a `CallEnded` error.
   */
  interface Ctx {
    /** Answer the call (200 OK). */
    answer(): Promise<void>;
    /** End the call. */
    hangup(): Promise<void>;
    /**
     * Refuse the call before it is answered, with a SIP code and reason.
     * @example await ctx.reject(486, 'Busy Here');
     */
    reject(sipCode: number, reason?: string): Promise<void>;
    /**
     * Play an audio file: `user/...` (uploaded) or `ivr/...` (stock prompts).
     * @returns how long it played.
     */
    play(file: string): Promise<{ ms: number }>;
    /**
     * Speak text (text-to-speech).
     * @example await ctx.tts('Connecting you now.');
     */
    tts(text: string, opts?: TtsOptions): Promise<{ ms: number }>;
    /** Echo the caller's audio back, after `delayMs`. */
    echo(delayMs?: number): Promise<void>;
    /**
     * Play a prompt and collect DTMF digits (digits pressed during the prompt count).
     * @param file the prompt (`ivr/menu.wav`)
     * @param timeoutSec how long to wait for a digit (default 5)
     * @param min fewest digits (default 1)
     * @param max most digits (default 128)
     * @param terminators keys that end the entry, not part of the value (default '#'; null: none)
     * @example const { status, value } = await ctx.ivr('ivr/menu.wav', 5, 1, 1, '#', { tries: 2 });
     */
    ivr(file?: string, timeoutSec?: number, min?: number, max?: number, terminators?: string | null, options?: IvrOptions): Promise<IvrResult>;
    /**
     * Wait for a DTMF sequence. Several may be pending at once.
     * @param match the digits, a RegExp, or a function of the digits so far
     * @param failMatch rejects when this matches instead
     * @param timeoutSec default 60
     * @returns the digits
     */
    waitFor(match: string | RegExp | ((digits: string) => boolean), failMatch?: string | RegExp | ((digits: string) => boolean) | null, timeoutSec?: number): Promise<string>;
    /** Stop these digits from reaching the other leg (default all: '0123456789'). */
    blockDtmf(digits?: string): Promise<void>;
    /** Send DTMF digits to the caller. */
    sendDtmf(digits: string): Promise<void>;
    /**
     * Call a destination and connect it to this call.
     * @param continueOn when the script goes on afterwards: `true` (always), `false` (never),
     * `'fail'` (only if the B-leg failed), `'completed'` (only after a completed B-leg)
     */
    bridge(destination: string, continueOn?: boolean | 'fail' | 'completed'): Promise<BridgeResult>;
    /** Transfer the call (SIP REFER). */
    transfer(target: string): Promise<void>;
    /** Start recording the call; resolves once recording has started. */
    record(name: string): Promise<void>;
    /** Wait until the call ends. */
    waitForHangup(): Promise<void>;
    /** Wait, keeping the call as it is. */
    sleep(ms: number): Promise<void>;
    /**
     * A channel variable, e.g. `sip_from_user`, `sip_h_X-Customer-ID`, or null. Synchronous.
     * @example const caller = ctx.get('sip_from_user');
     */
    get(key: string): string | null;
    /** Set a channel variable (`sip_h_NAME` sets a SIP header); returns the value. */
    set(key: string, value: string): string;
    /** A SIP header of the call, or null. */
    header(name: string): string | null;
    /** Set a SIP header; returns the value. */
    header(name: string, value: string): string;
    /** A log line tied to the call: in the execution's log and on the call's timeline. */
    log(...args: unknown[]): void;
    /** Each DTMF digit as the caller presses it. */
    on(event: 'dtmf', fn: (digit: string) => unknown): Ctx;
    /** The call ended. */
    on(event: 'hangup', fn: () => unknown): Ctx;
  }

  /** `ScriptForge.Main`: the shape of main for `@type` annotations. */
  type Main = (data: Data, ctx: Ctx) => any;
}

/** Captured per execution, with level and timestamp, and streamed to the IDE's console. */
declare const console: {
  log(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  debug(...args: unknown[]): void;
};

/** The script's environment variables (set per script or account), plus SCRIPTFORGE_ID, SCRIPTFORGE_NAME, SCRIPTFORGE_VERSION, ACCOUNT_ID, EXEC_HOST. */
declare const process: { readonly env: { readonly [name: string]: string | undefined } };

/** At most 10 pending timers per execution (`app` and `driver` only). */
declare function setTimeout(fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): number;
declare function clearTimeout(id: number | undefined): void;
declare function setInterval(fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): number;
declare function clearInterval(id: number | undefined): void;

/** Headers of a fetch request or response. */
declare class Headers {
  constructor(init?: Record<string, string> | [string, string][] | Headers);
  get(name: string): string | null;
  has(name: string): boolean;
  set(name: string, value: string): void;
  append(name: string, value: string): void;
  delete(name: string): void;
  forEach(fn: (value: string, name: string) => void): void;
  entries(): IterableIterator<[string, string]>;
  [Symbol.iterator](): IterableIterator<[string, string]>;
}

/** A fetch answer. */
declare class Response {
  constructor(body?: string | ArrayBuffer | Uint8Array | null, init?: { status?: number; statusText?: string; headers?: Record<string, string> });
  readonly status: number;
  readonly statusText: string;
  /** True for a 2xx status. */
  readonly ok: boolean;
  readonly headers: Headers;
  readonly url: string;
  readonly redirected: boolean;
  readonly bodyUsed: boolean;
  text(): Promise<string>;
  json(): Promise<any>;
  arrayBuffer(): Promise<ArrayBuffer>;
  clone(): Response;
}

interface RequestInit {
  method?: string;
  headers?: Record<string, string> | [string, string][] | Headers;
  body?: string | ArrayBuffer | Uint8Array | null;
  redirect?: 'follow' | 'error' | 'manual';
}

/**
 * Outbound HTTP (`app` and `driver`), under the account's egress policy: private, loopback and
 * metadata addresses are refused unless the operator allowed them; timeouts, size caps and a rate
 * limit apply.
 * @example const res = await fetch('https://api.example.com/lookup?n=' + n); const info = await res.json();
 */
declare function fetch(url: string, init?: RequestInit): Promise<Response>;

/**
 * Per-account key/value data: strings with a TTL (`kv`), JSON objects (`ko`), atomic counters.
 * @example const { kv, incr } = require('cxKV');
 */
declare module 'cxKV' {
  /** Strings, with an optional time to live. */
  export const kv: {
    /** The string stored at key, or null when missing or expired. */
    get(key: string): Promise<string | null>;
    /** Store a string (up to 64 KB) for ttlSeconds (0 or none: no expiry). */
    set(key: string, value: string, ttlSeconds?: number): Promise<true>;
    /** True when the key existed. */
    delete(key: string): Promise<boolean>;
  };
  /** JSON objects, with an optional time to live. */
  export const ko: {
    /** The object stored at key, or null. */
    get(key: string): Promise<any>;
    set(key: string, value: unknown, ttlSeconds?: number): Promise<true>;
    delete(key: string): Promise<boolean>;
  };
  /**
   * Atomically add `by` (default 1) to the number at key (0 when missing) and return the new
   * number; `expireSeconds` sets the key's expiry.
   * @example if (await incr('velocity:' + cli, 1, 60) > 5) throw new Error('603 Blocked');
   */
  export function incr(key: string, by?: number, expireSeconds?: number): Promise<number>;
  /** The account's keys that start with prefix. */
  export function keys(prefix?: string): Promise<string[]>;
  /** How much the account stores. */
  export function usage(): Promise<{ keys: number; bytes: number }>;
}

/**
 * Per-account document areas (a Do-Not-Call list is an area).
 * @example if (await require('cxUserspace').read('dnc', data.routing.dest_number)) throw new Error('604 Number on DNC List');
 */
declare module 'cxUserspace' {
  /** Store a new document; fails when the key exists (use update). */
  export function create(area: string, key: string, data: unknown): Promise<true>;
  /** The document, or null. */
  export function read(area: string, key: string): Promise<any>;
  /** Replace a document; fails when the key does not exist (use create). */
  export function update(area: string, key: string, data: unknown): Promise<true>;
  /** True when the document existed. */
  function _delete(area: string, key: string): Promise<boolean>;
  export { _delete as delete };
  /** Documents of an area, by key order (limit: default 100). */
  export function list(area: string, options?: { prefix?: string; limit?: number }): Promise<{ key: string; data: any }[]>;
}

/**
 * The platform's REST API, with the operator's credentials, acting as the script's account.
 * @example const api = require('cxRest').auth(); const c = await api.get('/customer/' + id);
 */
declare module 'cxRest' {
  interface RestClient {
    get(path: string, query?: Record<string, string | number | boolean>): Promise<any>;
    post(path: string, body?: unknown): Promise<any>;
    put(path: string, body?: unknown): Promise<any>;
    patch(path: string, body?: unknown): Promise<any>;
    delete(path: string): Promise<any>;
  }
  /** A client acting as the account, or as one of its users. Paths are relative to the API's base URL. */
  export function auth(user?: string): RestClient;
}

/**
 * Email over the operator's SMTP server, SMS through the operator's gateway (rate-limited per account).
 * @example await require('cxSend').sms('+447700900123', 'Your code is 4711');
 */
declare module 'cxSend' {
  export function email(message: { to: string | string[]; subject: string; text?: string; html?: string; cc?: string | string[]; bcc?: string | string[]; replyTo?: string }): Promise<{ messageId: string; accepted: string[]; rejected: string[] }>;
  export function sms(number: string, text: string): Promise<{ id?: string; status: string }>;
}

/**
 * Background runs of a script's function, with retries and exponential backoff.
 * @example const { id } = await require('cxJob').add(process.env.SCRIPTFORGE_ID, 'notify', { to }, { attempts: 5 });
 */
declare module 'cxJob' {
  interface Job {
    id: string;
    scriptId: string;
    fn: string;
    status: 'queued' | 'running' | 'succeeded' | 'failed';
    attempts: number;
    maxAttempts: number;
    result: any;
    error: { name: string; message: string; code: string } | null;
    executionId: string | null;
    createdAt: string;
    updatedAt: string;
  }
  /**
   * Queue a run of `fn` of a script with `data`. attempts: most runs (default 3); delayMs: wait
   * before a retry, doubled each time (default 1000); startInMs: wait before the first run.
   */
  export function add(scriptId: string, fn: string | Function, data?: unknown, options?: { attempts?: number; delayMs?: number; startInMs?: number }): Promise<{ id: string }>;
  /** A job's status, attempts and result. */
  export function get(id: string): Promise<Job | null>;
}

/**
 * Messages between the running executions of one account (not stored: use cxJob for work).
 * @example await require('cxPubSub').publish('pin:' + callId, { ok: true });
 */
declare module 'cxPubSub' {
  /** Hand data to every live subscriber of topic; returns how many got it. */
  export function publish(topic: string, data?: unknown): Promise<number>;
  /** Call fn for each message published on topic while this execution runs. */
  export function subscribe(topic: string, fn: (data: any, topic: string) => unknown): Promise<{ topic: string; unsubscribe(): Promise<boolean> }>;
}

/** The global fetch, as a module. */
declare module 'fetch' {
  const f: typeof fetch;
  export = f;
}

/** randomUUID, createHash and createHmac (md5, sha1, sha256, sha512). */
declare module 'crypto' {
  interface Hash {
    update(data: string | Uint8Array): Hash;
    digest(encoding?: 'hex' | 'base64'): string;
  }
  export function randomUUID(): string;
  export function createHash(algorithm: 'md5' | 'sha1' | 'sha256' | 'sha512' | string): Hash;
  export function createHmac(algorithm: 'sha1' | 'sha256' | 'sha512' | string, key: string | Uint8Array): Hash;
}

/** The real npm libraries, bundled into the sandbox. */
declare module 'axios';
declare module 'moment';
declare module 'dayjs';
declare module 'dayjs/plugin/utc';
declare module 'dayjs/plugin/timezone';
declare module 'csv-parse/sync';
declare module 'smol-toml';
declare module 'fast-toml';
declare module 'card-validator';
