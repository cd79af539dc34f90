/**
 * cxRest: the platform's REST API, as the script's account. The base URL and the credentials are
 * the operator's (the script never sees them); each request says which account (and, with
 * `auth(user)`, which of its users) it acts for, in `X-ScriptForge-Account` / `X-ScriptForge-User`,
 * for the platform API to scope what it answers. Paths are relative to the base URL and cannot
 * leave it. The connection goes only to the configured host, whatever the account's egress policy.
 *
 * @example
 *   const rest = require('cxRest');
 *   const api = rest.auth('csmith');
 *   const customer = await api.get('/customer/' + data.customerId, { fields: 'name,balance' });
 *   await api.post('/customer/' + data.customerId + '/note', { text: 'Called ' + data.number });
 */
import { fetchHost, type FetchResult } from '../fetch/index.js';
import { ModuleError, type ModuleHost } from '../host.js';

export interface RestConfig {
  /** e.g. https://api.example.net/v2/ (SCRIPTFORGE_REST_URL). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …` (SCRIPTFORGE_REST_TOKEN)... */
  token?: string;
  /** ...or basic authentication (SCRIPTFORGE_REST_USER, SCRIPTFORGE_REST_PASSWORD). */
  username?: string;
  password?: string;
  /** Per request (default 10 s). */
  timeoutMs?: number;
}

export function restConfigFromEnv(env: NodeJS.ProcessEnv): RestConfig | undefined {
  if (!env.SCRIPTFORGE_REST_URL) return undefined;
  return {
    baseUrl: env.SCRIPTFORGE_REST_URL,
    token: env.SCRIPTFORGE_REST_TOKEN || undefined,
    username: env.SCRIPTFORGE_REST_USER || undefined,
    password: env.SCRIPTFORGE_REST_PASSWORD || undefined,
  };
}

export const restGuest = `
exports.auth = function auth(user) {
  if (user !== undefined && user !== null && typeof user !== 'string') throw new TypeError('cxRest.auth(user): user must be a string');
  const u = user === undefined ? null : user;
  const call = (method, path, query, body) => host('request', [u, method, path, query === undefined ? null : query, body === undefined ? null : body]);
  return {
    get: (path, query) => call('GET', path, query, null),
    post: (path, body) => call('POST', path, null, body),
    put: (path, body) => call('PUT', path, null, body),
    patch: (path, body) => call('PATCH', path, null, body),
    delete: (path) => call('DELETE', path, null, null),
  };
};
`;

const restError = (m: string) => new ModuleError('RestError', m);

/** The URL of `path` under the base; throws RestError for anything that would leave it. */
export function resolvePath(base: URL, path: unknown, query: unknown): URL {
  if (typeof path !== 'string' || !path.startsWith('/')) throw restError(`cxRest: the path must be a string starting with '/', not ${JSON.stringify(path)?.slice(0, 100)}`);
  if (/[\\\u0000-\u001f]|(^|\/)\.\.?(\/|$)|^\/\/|%2e|%2f|%5c/i.test(path.split('?')[0])) {
    throw restError(`cxRest: the path ${JSON.stringify(path).slice(0, 100)} may not contain '..', '//', backslashes, control or encoded separator characters`);
  }
  const url = new URL(base.href.replace(/\/$/, '') + path);
  if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname)) throw restError(`cxRest: the path ${JSON.stringify(path)} leaves the API`);
  if (query !== null && query !== undefined) {
    if (typeof query !== 'object' || Array.isArray(query)) throw restError('cxRest: the query must be an object of names and values');
    for (const [k, v] of Object.entries(query as Record<string, unknown>)) {
      for (const one of Array.isArray(v) ? v : [v]) if (one !== undefined && one !== null) url.searchParams.append(k, String(one));
    }
  }
  return url;
}

export function restHost(o: { accountId: string; config?: RestConfig }): ModuleHost {
  const c = o.config;
  if (!c) {
    const off = async () => {
      throw new ModuleError('RestNotConfiguredError', 'cxRest: this server has no platform API configured (the operator sets SCRIPTFORGE_REST_URL)');
    };
    return { request: off };
  }
  const base = new URL(c.baseUrl.endsWith('/') ? c.baseUrl : `${c.baseUrl}/`);
  const hostname = base.hostname.replace(/^\[|\]$/g, '');
  // Operator infrastructure: the configured host is allowed, nothing else is reached.
  const transport = fetchHost({
    accountId: `rest:${o.accountId}`,
    egress: { allow: [hostname], publicInternet: false, timeoutMs: c.timeoutMs ?? 10_000, maxRedirects: 0 },
  });
  const authorization = c.token
    ? `Bearer ${c.token}`
    : c.username !== undefined
      ? `Basic ${Buffer.from(`${c.username}:${c.password ?? ''}`).toString('base64')}`
      : undefined;
  return {
    async request([user, method, path, query, body]) {
      const m = String(method);
      if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(m)) throw restError(`cxRest: no method ${JSON.stringify(m)}`);
      const url = resolvePath(base, path, query);
      const headers: [string, string][] = [
        ['accept', 'application/json'],
        ['x-scriptforge-account', o.accountId],
      ];
      if (user !== null) {
        if (typeof user !== 'string' || user === '' || /[\r\n]/.test(user) || user.length > 200) throw restError('cxRest.auth(user): user must be a name of up to 200 characters');
        headers.push(['x-scriptforge-user', user]);
      }
      if (authorization) headers.push(['authorization', authorization]);
      let payload: { text: string } | null = null;
      if (method !== 'GET' && method !== 'DELETE') {
        headers.push(['content-type', 'application/json']);
        payload = { text: JSON.stringify(body ?? null) };
      }
      const res = (await transport.fetch([url.href, { method: m, headers, body: payload, redirect: 'manual' }])) as FetchResult;
      const type = res.headers.find(([k]) => k === 'content-type')?.[1] ?? '';
      let data: unknown = res.text;
      if (/json/i.test(type) && res.text !== '') {
        try {
          data = JSON.parse(res.text) as unknown;
        } catch {
          throw restError(`cxRest ${m} ${path}: the API answered invalid JSON`);
        }
      }
      if (res.status < 200 || res.status >= 300) {
        const detail = res.text ? `: ${res.text.slice(0, 300)}` : '';
        throw new ModuleError('RestError', `cxRest ${m} ${String(path)} failed: ${res.status} ${res.statusText}${detail}`);
      }
      return data === '' ? null : data;
    },
  };
}
