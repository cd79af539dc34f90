/**
 * The host side of `fetch`: performs the guest's requests under the account's egress policy.
 *
 * Every connection goes to an address this code has checked: IP literals are checked as they are;
 * host names are resolved here (by an injectable resolver), each resolved address is checked, and
 * the socket is handed the vetted address through a fixed `lookup`, so that Node does not resolve
 * again (a second answer, DNS rebinding, never reaches the socket). The connected socket's remote
 * address is checked once more before anything is sent. Redirects are followed by hand, each hop
 * checked the same way.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import { ModuleError, type ModuleHost } from '../host.js';
import { checkAddress, parseAllowList, type AllowRule, type Verdict } from './egress.js';

export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

/** An account's egress policy, as operators set it; every field has a default. */
export interface EgressOptions {
  /** Exceptions to the refused ranges: addresses, CIDRs ('10.1.0.0/16', '::1/128') or host names ('api.corp', '*.corp'). */
  allow?: readonly string[];
  /** Whether public addresses are reachable at all (default true); false leaves only `allow`. */
  publicInternet?: boolean;
  /** For the whole fetch, redirects and body included (default 10 s). */
  timeoutMs?: number;
  /** Response body, after decompression (default 5 MB). */
  maxResponseBytes?: number;
  /** Request body (default 5 MB). */
  maxRequestBytes?: number;
  /** Token bucket per account: refills at this rate (default 50/s)... */
  ratePerSecond?: number;
  /** ...and holds at most this many (default: ratePerSecond). */
  burst?: number;
  /** Redirects followed (default 5). */
  maxRedirects?: number;
  /** Resolves host names (default: the system resolver). Injectable for tests. */
  lookup?: Resolver;
}

export const EGRESS_DEFAULTS = {
  timeoutMs: 10_000,
  maxResponseBytes: 5 * 1024 * 1024,
  maxRequestBytes: 5 * 1024 * 1024,
  ratePerSecond: 50,
  maxRedirects: 5,
} as const;

/** Token buckets by key (the account): shared by every execution in this process. */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  /** Takes a token; false when the bucket is empty. */
  take(key: string, ratePerSecond: number, burst: number, nowMs: number): boolean {
    let b = this.#buckets.get(key);
    if (!b) {
      b = { tokens: burst, at: nowMs };
      this.#buckets.set(key, b);
      if (this.#buckets.size > 100_000) this.#prune(nowMs, ratePerSecond, burst);
    }
    b.tokens = Math.min(burst, b.tokens + (Math.max(0, nowMs - b.at) / 1000) * ratePerSecond);
    b.at = nowMs;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  #prune(nowMs: number, rate: number, burst: number): void {
    for (const [k, b] of this.#buckets) if (b.tokens + ((nowMs - b.at) / 1000) * rate >= burst) this.#buckets.delete(k);
  }
}

/** The process's buckets, used unless a host is given its own. */
export const accountRateLimits = new RateLimiter();

export interface FetchHostOptions {
  accountId: string;
  egress?: EgressOptions;
  /** Milliseconds, for the rate limiter (default performance.now). */
  now?: () => number;
  limiter?: RateLimiter;
}

/** What the guest sends: fetch(url, init) after the guest side has normalized init. */
interface GuestInit {
  method?: unknown;
  headers?: unknown;
  body?: unknown;
  redirect?: unknown;
}

/** What the guest receives. */
export interface FetchResult {
  status: number;
  statusText: string;
  url: string;
  redirected: boolean;
  headers: [string, string][];
  /** The body as text (lossy when it is not UTF-8, in which case `base64` has the bytes too). */
  text: string;
  base64?: string;
}

const typeError = (m: string) => new ModuleError('TypeError', m);
const fetchError = (m: string) => new ModuleError('FetchError', m);

const FORBIDDEN_HEADERS = new Set([
  'host', 'content-length', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer',
  'proxy-connection', 'proxy-authorization', 'expect', 'http2-settings',
]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function shown(u: URL): string {
  return `${u.protocol}//${u.host}${u.pathname}`;
}

export function fetchHost(o: FetchHostOptions): ModuleHost {
  const e = o.egress ?? {};
  const rules: AllowRule[] = parseAllowList(e.allow ?? []);
  const timeoutMs = e.timeoutMs ?? EGRESS_DEFAULTS.timeoutMs;
  const maxResponse = e.maxResponseBytes ?? EGRESS_DEFAULTS.maxResponseBytes;
  const maxRequest = e.maxRequestBytes ?? EGRESS_DEFAULTS.maxRequestBytes;
  const rate = e.ratePerSecond ?? EGRESS_DEFAULTS.ratePerSecond;
  const burst = e.burst ?? rate;
  const maxRedirects = e.maxRedirects ?? EGRESS_DEFAULTS.maxRedirects;
  const resolve: Resolver = e.lookup ?? ((h) => dns.promises.lookup(h, { all: true, verbatim: true }));
  const now = o.now ?? (() => performance.now());
  const limiter = o.limiter ?? accountRateLimits;
  const policy = { rules, publicInternet: e.publicInternet };

  const denied = (u: URL, v: Verdict, viaName: boolean) =>
    new ModuleError(
      'EgressDeniedError',
      viaName
        ? `fetch to ${u.hostname} (resolves to ${v.address}, ${v.class}) is not allowed for this account`
        : `fetch to ${v.address} (${v.class}) is not allowed for this account`,
    );

  /** The address to connect to for this URL, checked; throws EgressDeniedError otherwise. */
  async function vet(u: URL, signal: AbortSignal): Promise<{ address: string; family: number; byName: boolean }> {
    const host = u.hostname.replace(/^\[|\]$/g, '');
    if (net.isIP(host)) {
      const v = checkAddress(host, policy);
      if (!v.ok) throw denied(u, v, false);
      return { address: host, family: net.isIP(host), byName: false };
    }
    let answers: { address: string; family: number }[];
    try {
      answers = await Promise.race([
        resolve(host),
        new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })),
      ]);
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw fetchError(`fetch to ${shown(u)} failed: could not resolve ${host} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    if (!Array.isArray(answers) || answers.length === 0) throw fetchError(`fetch to ${shown(u)} failed: ${host} has no address`);
    let refused: Verdict | null = null;
    for (const a of answers) {
      const v = checkAddress(String(a.address), { ...policy, hostname: host });
      if (v.ok) return { address: String(a.address), family: net.isIP(String(a.address)), byName: true };
      refused ??= v;
    }
    throw denied(u, refused!, true);
  }

  async function fetchOp([urlArg, initArg]: unknown[]): Promise<FetchResult> {
    if (!limiter.take(o.accountId, rate, burst, now())) {
      throw new ModuleError('RateLimitError', `fetch: this account may make at most ${rate} requests per second (burst ${burst}); try again shortly`);
    }
    let url: URL;
    try {
      url = new URL(String(urlArg));
    } catch {
      throw typeError(`fetch: ${JSON.stringify(String(urlArg)).slice(0, 200)} is not an absolute URL`);
    }
    checkUrl(url);
    const init = (initArg !== null && typeof initArg === 'object' ? initArg : {}) as GuestInit;
    let method = normalizeMethod(init.method);
    let headers = normalizeHeaders(init.headers);
    let body = normalizeBody(init.body, maxRequest);
    if (body && (method === 'GET' || method === 'HEAD')) throw typeError(`fetch: a ${method} request cannot have a body`);
    const redirectMode = init.redirect === undefined || init.redirect === null ? 'follow' : String(init.redirect);
    if (!['follow', 'manual', 'error'].includes(redirectMode)) throw typeError(`fetch: redirect must be 'follow', 'manual' or 'error', not ${JSON.stringify(redirectMode)}`);

    const controller = new AbortController();
    const timeout = new ModuleError('FetchTimeoutError', `fetch to ${shown(url)} timed out after ${timeoutMs} ms`);
    const timer = setTimeout(() => controller.abort(timeout), timeoutMs);
    try {
      for (let hop = 0; ; hop++) {
        const target = await vet(url, controller.signal);
        const res = await send(url, target, method, headers, body, controller.signal);
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (REDIRECTS.has(status) && location && redirectMode !== 'manual') {
          res.destroy();
          if (redirectMode === 'error') throw fetchError(`fetch to ${shown(url)} was redirected (${status}) and redirect is 'error'`);
          if (hop >= maxRedirects) throw fetchError(`fetch to ${shown(url)}: more than ${maxRedirects} redirects`);
          let next: URL;
          try {
            next = new URL(location, url);
          } catch {
            throw fetchError(`fetch to ${shown(url)}: the redirect location ${JSON.stringify(location)} is not a URL`);
          }
          checkUrl(next);
          if (status === 303 ? method !== 'HEAD' : (status === 301 || status === 302) && method === 'POST') {
            method = 'GET';
            body = null;
            headers = headers.filter(([k]) => !/^content-(type|encoding|language|location)$/.test(k));
          }
          if (next.origin !== url.origin) headers = headers.filter(([k]) => k !== 'authorization' && k !== 'cookie');
          url = next;
          continue;
        }
        const bytes = method === 'HEAD' ? Buffer.alloc(0) : await readBody(res, url, maxResponse, controller.signal);
        return { ...decode(bytes), status, statusText: res.statusMessage ?? '', url: url.href, redirected: hop > 0, headers: pairs(res.rawHeaders) };
      }
    } catch (err) {
      if (controller.signal.aborted && controller.signal.reason === timeout) throw timeout;
      if (err instanceof ModuleError) throw err;
      const c = err as NodeJS.ErrnoException;
      throw fetchError(`fetch to ${shown(url)} failed: ${c.code ? `${c.code} ` : ''}${c.message}`.trim());
    } finally {
      clearTimeout(timer);
    }
  }

  function send(
    u: URL,
    target: { address: string; family: number; byName: boolean },
    method: string,
    headers: [string, string][],
    body: Buffer | null,
    signal: AbortSignal,
  ): Promise<http.IncomingMessage> {
    return new Promise((resolvePromise, reject) => {
      const lib = u.protocol === 'https:' ? https : http;
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of headers) {
        const prev = out[k];
        out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      if (!('user-agent' in out)) out['user-agent'] = 'ScriptForge-fetch';
      if (!('accept' in out)) out.accept = '*/*';
      if (!('accept-encoding' in out)) out['accept-encoding'] = 'gzip, deflate, br';
      if (body) out['content-length'] = String(body.length);
      // The socket connects to the vetted address and nothing else: Node does not resolve again.
      const lookup = ((_h: string, opts: { all?: boolean } | undefined, cb: (...a: unknown[]) => void) => {
        if (opts && opts.all) cb(null, [{ address: target.address, family: target.family }]);
        else cb(null, target.address, target.family);
      }) as unknown as net.LookupFunction;
      let req: http.ClientRequest;
      try {
        req = lib.request({
          protocol: u.protocol,
          host: u.hostname.replace(/^\[|\]$/g, ''),
          port: u.port || undefined,
          path: u.pathname + u.search,
          method,
          headers: out,
          agent: false,
          lookup,
          signal,
          ...(u.protocol === 'https:' && target.byName ? { servername: u.hostname } : {}),
        });
      } catch (err) {
        reject(typeError(`fetch: ${(err as Error).message}`));
        return;
      }
      req.once('socket', (s: net.Socket) => {
        s.once('connect', () => {
          const v = checkAddress(s.remoteAddress ?? '', { ...policy, hostname: target.byName ? u.hostname : undefined });
          if (!v.ok) req.destroy(denied(u, v, target.byName));
        });
      });
      req.once('response', resolvePromise);
      req.once('error', reject);
      req.end(body ?? undefined);
    });
  }

  return { fetch: fetchOp };
}

function checkUrl(u: URL): void {
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw typeError(`fetch: only http and https URLs are supported, not ${u.protocol}`);
  if (u.username || u.password) throw typeError('fetch: URLs with credentials (user:password@) are not supported: use an Authorization header');
}

function normalizeMethod(m: unknown): string {
  if (m === undefined || m === null) return 'GET';
  const s = String(m);
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(s)) throw typeError(`fetch: ${JSON.stringify(s)} is not a valid HTTP method`);
  const up = s.toUpperCase();
  if (['CONNECT', 'TRACE', 'TRACK'].includes(up)) throw typeError(`fetch: the ${up} method is not allowed`);
  return ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH'].includes(up) ? up : s;
}

function normalizeHeaders(h: unknown): [string, string][] {
  if (h === undefined || h === null) return [];
  if (!Array.isArray(h)) throw typeError('fetch: headers must be a list of [name, value] pairs');
  const out: [string, string][] = [];
  for (const pair of h as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2) throw typeError('fetch: each header must be a [name, value] pair');
    const name = String(pair[0]).toLowerCase();
    const value = String(pair[1]).trim();
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) throw typeError(`fetch: ${JSON.stringify(name)} is not a valid header name`);
    if (/[\r\n\0]/.test(value)) throw typeError(`fetch: the value of header ${name} contains a line break or NUL`);
    if (FORBIDDEN_HEADERS.has(name) || name.startsWith('proxy-')) continue;
    out.push([name, value]);
  }
  if (out.length > 200) throw typeError('fetch: at most 200 request headers');
  return out;
}

function normalizeBody(b: unknown, max: number): Buffer | null {
  if (b === undefined || b === null) return null;
  const o = b as { text?: unknown; base64?: unknown };
  let buf: Buffer;
  if (typeof o.text === 'string') buf = Buffer.from(o.text, 'utf8');
  else if (typeof o.base64 === 'string') buf = Buffer.from(o.base64, 'base64');
  else throw typeError('fetch: the body could not be read');
  if (buf.length > max) throw new ModuleError('RequestTooLargeError', `fetch: the request body is ${buf.length} bytes; the limit is ${max}`);
  return buf;
}

function pairs(raw: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i].toLowerCase(), raw[i + 1]]);
  return out;
}

function readBody(res: http.IncomingMessage, u: URL, max: number, signal: AbortSignal): Promise<Buffer> {
  const tooLarge = () =>
    new ModuleError('ResponseTooLargeError', `fetch to ${shown(u)}: the response is larger than ${max} bytes, the limit for this account`);
  const declared = Number(res.headers['content-length']);
  const encoding = String(res.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (Number.isFinite(declared) && declared > max && (encoding === '' || encoding === 'identity')) {
    res.destroy();
    return Promise.reject(tooLarge());
  }
  let stream: Readable = res;
  if (encoding === 'gzip' || encoding === 'x-gzip') stream = res.pipe(zlib.createGunzip());
  else if (encoding === 'deflate') stream = res.pipe(zlib.createInflate());
  else if (encoding === 'br') stream = res.pipe(zlib.createBrotliDecompress());
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (err: unknown) => {
      res.destroy();
      if (stream !== res) stream.destroy();
      reject(err);
    };
    signal.addEventListener('abort', () => fail(signal.reason), { once: true });
    stream.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) fail(tooLarge());
      else chunks.push(c);
    });
    stream.once('end', () => resolvePromise(Buffer.concat(chunks)));
    stream.once('error', (err) => fail(fetchError(`fetch to ${shown(u)} failed while reading the response: ${err.message}`)));
    res.once('error', (err) => fail(fetchError(`fetch to ${shown(u)} failed while reading the response: ${err.message}`)));
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lossy = new TextDecoder('utf-8', { ignoreBOM: true });

function decode(bytes: Buffer): { text: string; base64?: string } {
  try {
    return { text: utf8.decode(bytes) };
  } catch {
    return { text: lossy.decode(bytes), base64: bytes.toString('base64') };
  }
}
