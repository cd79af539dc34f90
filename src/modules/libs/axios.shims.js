// Stand-ins for the three web APIs that axios's browser build calls and the isolate does not have:
// URL (the fetch adapter parses any URL with a ':' or '@' after the scheme, to take credentials out
// of it), AbortController (request timeouts and cancellation) and btoa (basic auth).
//
// scripts/bundle-modules.mjs hands this file to esbuild's `inject` for the axios bundle only, so the
// names are bound inside that bundle and nowhere else: the sandbox's globals stay as they are.
// Each does what axios needs of it, no more; it is not a general implementation.

const SPECIAL_PORTS = { 'http:': '80', 'https:': '443', 'ws:': '80', 'wss:': '443', 'ftp:': '21' };

function invalid(input) {
  return new TypeError('Invalid URL: ' + JSON.stringify(String(input)));
}

/** Splits an absolute URL into its parts; null when it is not one. */
function parseAbsolute(s) {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:)([\s\S]*)$/.exec(s);
  if (!m) return null;
  const protocol = m[1].toLowerCase();
  let rest = m[2];
  const parts = { protocol, username: '', password: '', hostname: '', port: '', pathname: '', search: '', hash: '', hierarchical: false };
  if (!rest.startsWith('//')) {
    if (protocol in SPECIAL_PORTS) rest = '//' + rest.replace(/^\/*/, ''); // http:example.com, as the URL parser reads it
    else {
      const h = rest.indexOf('#');
      if (h !== -1) { parts.hash = rest.slice(h); rest = rest.slice(0, h); }
      parts.pathname = rest;
      return parts;
    }
  }
  parts.hierarchical = true;
  rest = rest.slice(2);
  const end = rest.search(/[/?#]/);
  let authority = end === -1 ? rest : rest.slice(0, end);
  rest = end === -1 ? '' : rest.slice(end);
  const at = authority.lastIndexOf('@');
  if (at !== -1) {
    const userinfo = authority.slice(0, at);
    authority = authority.slice(at + 1);
    const colon = userinfo.indexOf(':');
    parts.username = colon === -1 ? userinfo : userinfo.slice(0, colon);
    parts.password = colon === -1 ? '' : userinfo.slice(colon + 1);
  }
  const hp = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]*)(?::(\d*))?$/.exec(authority);
  if (!hp || (hp[1] === '' && protocol in SPECIAL_PORTS)) return undefined;
  parts.hostname = hp[1].toLowerCase();
  parts.port = hp[2] && hp[2] !== SPECIAL_PORTS[protocol] ? String(Number(hp[2])) : '';
  const h = rest.indexOf('#');
  if (h !== -1) { parts.hash = rest.length - h > 1 ? rest.slice(h) : ''; rest = rest.slice(0, h); }
  const q = rest.indexOf('?');
  if (q !== -1) { parts.search = rest.length - q > 1 ? rest.slice(q) : ''; rest = rest.slice(0, q); }
  parts.pathname = rest === '' && protocol in SPECIAL_PORTS ? '/' : rest;
  return parts;
}

const fields = new WeakMap();

class URL {
  constructor(input, base) {
    const s = String(input).trim();
    let parts = parseAbsolute(s);
    if (parts === null && base !== undefined) {
      // A relative reference: enough of RFC 3986 resolution for what axios passes (its base is an origin).
      const b = new URL(base);
      const origin = b.protocol + '//' + b.host;
      parts = parseAbsolute(s.startsWith('//') ? b.protocol + s : s.startsWith('/') ? origin + s : origin + '/' + s);
    }
    if (!parts) throw invalid(s);
    fields.set(this, parts);
  }
  get protocol() { return fields.get(this).protocol; }
  get username() { return fields.get(this).username; }
  set username(v) { fields.get(this).username = String(v); }
  get password() { return fields.get(this).password; }
  set password(v) { fields.get(this).password = String(v); }
  get hostname() { return fields.get(this).hostname; }
  get port() { return fields.get(this).port; }
  get host() { const p = fields.get(this); return p.hostname + (p.port ? ':' + p.port : ''); }
  get origin() { const p = fields.get(this); return p.hierarchical ? p.protocol + '//' + this.host : 'null'; }
  get pathname() { return fields.get(this).pathname; }
  get search() { return fields.get(this).search; }
  get hash() { return fields.get(this).hash; }
  get href() {
    const p = fields.get(this);
    if (!p.hierarchical) return p.protocol + p.pathname + p.hash;
    const userinfo = p.username || p.password ? p.username + (p.password ? ':' + p.password : '') + '@' : '';
    return p.protocol + '//' + userinfo + this.host + p.pathname + p.search + p.hash;
  }
  toString() { return this.href; }
  toJSON() { return this.href; }
}

function abortError() {
  const e = new Error('This operation was aborted');
  e.name = 'AbortError';
  return e;
}

const listenersOf = new WeakMap();

class AbortSignal {
  constructor() {
    this.aborted = false;
    this.reason = undefined;
    this.onabort = null;
    listenersOf.set(this, []);
  }
  addEventListener(type, fn, options) {
    if (type !== 'abort' || typeof fn !== 'function') return;
    const list = listenersOf.get(this);
    if (!list.some((l) => l.fn === fn)) list.push({ fn, once: !!(options && options.once) });
  }
  removeEventListener(type, fn) {
    if (type !== 'abort') return;
    const list = listenersOf.get(this);
    const i = list.findIndex((l) => l.fn === fn);
    if (i !== -1) list.splice(i, 1);
  }
  throwIfAborted() {
    if (this.aborted) throw this.reason;
  }
}

class AbortController {
  constructor() {
    this.signal = new AbortSignal();
  }
  abort(reason) {
    const signal = this.signal;
    if (signal.aborted) return;
    signal.aborted = true;
    signal.reason = reason === undefined ? abortError() : reason;
    const event = { type: 'abort', target: signal, currentTarget: signal };
    const list = listenersOf.get(signal).slice();
    listenersOf.set(signal, listenersOf.get(signal).filter((l) => !l.once));
    if (typeof signal.onabort === 'function') signal.onabort.call(signal, event);
    for (const l of list) l.fn.call(signal, event);
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Latin-1 text to base64, as the web's btoa (which refuses characters above U+00FF). */
function btoa(text) {
  const s = String(text);
  let out = '';
  for (let i = 0; i < s.length; i += 3) {
    const a = s.charCodeAt(i), b = s.charCodeAt(i + 1), c = s.charCodeAt(i + 2);
    if (a > 255 || b > 255 || c > 255) {
      const e = new Error("btoa: the string to be encoded contains characters outside of the Latin1 range");
      e.name = 'InvalidCharacterError';
      throw e;
    }
    const n = (a << 16) | ((b || 0) << 8) | (c || 0);
    out += B64[n >> 18] + B64[(n >> 12) & 63] + (i + 1 < s.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < s.length ? B64[n & 63] : '=');
  }
  return out;
}

export { URL, AbortController, AbortSignal, btoa };
