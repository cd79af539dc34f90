/**
 * The guest side of `fetch`: runs inside the sandbox (no TextEncoder, atob or URL there, so the few
 * conversions it needs are written out). It normalizes the request, hands it to the host operation
 * `fetch`, and wraps the answer in a Response-like object.
 *
 * @example
 *   const res = await fetch('https://api.example.com/v1/lookup?n=' + d.number, { headers: { authorization: 'Bearer ' + process.env.TOKEN } });
 *   if (!res.ok) throw new Error('503 lookup failed: ' + res.status);
 *   const info = await res.json();
 */
export const fetchGuest = `
'use strict';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function toBase64(bytes) {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
  }
  if (i < bytes.length) {
    const n = (bytes[i] << 16) | ((i + 1 < bytes.length ? bytes[i + 1] : 0) << 8);
    out += B64[n >> 18] + B64[(n >> 12) & 63] + (i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=') + '=';
  }
  return out;
}
const B64_INDEX = new Uint8Array(128);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;
function fromBase64(s) {
  const clean = s.replace(/[^A-Za-z0-9+/]/g, '');
  const out = new Uint8Array(Math.floor(clean.length * 3 / 4));
  let bits = 0, acc = 0, j = 0;
  for (let i = 0; i < clean.length; i++) {
    acc = ((acc << 6) | B64_INDEX[clean.charCodeAt(i)]) & 0xffffff;
    bits += 6;
    if (bits >= 8) { bits -= 8; out[j++] = (acc >> bits) & 255; }
  }
  return out.subarray(0, j);
}
function utf8Encode(s) {
  const out = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); i++; }
    }
    if (c >= 0xd800 && c < 0xe000) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return new Uint8Array(out);
}

const lists = new WeakMap();
function headerName(n) {
  const s = String(n).toLowerCase();
  if (!/^[!#$%&'*+.^_\`|~0-9a-z-]+$/.test(s)) throw new TypeError(JSON.stringify(String(n)) + ' is not a valid header name');
  return s;
}
class Headers {
  constructor(init) {
    lists.set(this, new Map());
    if (init === undefined || init === null) return;
    if (init instanceof Headers) { init.forEach((v, k) => this.append(k, v)); return; }
    if (typeof init[Symbol.iterator] === 'function') {
      for (const pair of init) {
        const p = Array.from(pair);
        if (p.length !== 2) throw new TypeError('Each header must be a [name, value] pair');
        this.append(p[0], p[1]);
      }
      return;
    }
    if (typeof init !== 'object') throw new TypeError('headers must be an object, a list of [name, value] pairs or a Headers');
    for (const k of Object.keys(init)) this.append(k, init[k]);
  }
  append(name, value) {
    const m = lists.get(this), k = headerName(name), v = String(value).trim();
    m.set(k, m.has(k) ? m.get(k) + ', ' + v : v);
  }
  set(name, value) { lists.get(this).set(headerName(name), String(value).trim()); }
  get(name) { const v = lists.get(this).get(String(name).toLowerCase()); return v === undefined ? null : v; }
  has(name) { return lists.get(this).has(String(name).toLowerCase()); }
  delete(name) { lists.get(this).delete(String(name).toLowerCase()); }
  forEach(fn, thisArg) { for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this); }
  entries() { return Array.from(lists.get(this).entries()).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))[Symbol.iterator](); }
  keys() { return Array.from(this.entries(), (e) => e[0])[Symbol.iterator](); }
  values() { return Array.from(this.entries(), (e) => e[1])[Symbol.iterator](); }
  [Symbol.iterator]() { return this.entries(); }
}

const bodies = new WeakMap();
function consume(r) {
  const b = bodies.get(r);
  if (b.used) return Promise.reject(new TypeError('The response body has already been read'));
  b.used = true;
  return Promise.resolve(b);
}
class Response {
  constructor(body, init) {
    const o = init || {};
    const status = o.status === undefined ? 200 : Number(o.status);
    if (!Number.isInteger(status) || status < 200 || status > 599) throw new RangeError('status must be an integer from 200 to 599');
    let text = '', base64 = null;
    if (body === undefined || body === null) text = '';
    else if (typeof body === 'string') text = body;
    else if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) {
      const bytes = body instanceof ArrayBuffer ? new Uint8Array(body) : new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
      base64 = toBase64(bytes);
      text = null;
    } else text = String(body);
    bodies.set(this, { text, base64, used: false });
    this.status = status;
    this.statusText = o.statusText === undefined ? '' : String(o.statusText);
    this.headers = new Headers(o.headers);
    this.url = '';
    this.redirected = false;
    this.type = 'default';
  }
  get ok() { return this.status >= 200 && this.status <= 299; }
  get bodyUsed() { return bodies.get(this).used; }
  text() {
    return consume(this).then((b) => (b.text === null ? utf8Decode(fromBase64(b.base64)) : b.text));
  }
  json() {
    const url = this.url;
    return this.text().then((t) => {
      try { return JSON.parse(t); } catch (e) {
        throw new SyntaxError('The response' + (url ? ' from ' + url : '') + ' is not JSON (' + e.message + '): ' + JSON.stringify(t.slice(0, 100)));
      }
    });
  }
  arrayBuffer() {
    return consume(this).then((b) => {
      const bytes = b.base64 !== null ? fromBase64(b.base64) : utf8Encode(b.text);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    });
  }
  clone() {
    const b = bodies.get(this);
    if (b.used) throw new TypeError('The response body has already been read');
    const c = Object.create(Response.prototype);
    bodies.set(c, { text: b.text, base64: b.base64, used: false });
    c.status = this.status; c.statusText = this.statusText; c.headers = new Headers(this.headers);
    c.url = this.url; c.redirected = this.redirected; c.type = this.type;
    return c;
  }
}
/** Lossy UTF-8 decoding (U+FFFD for what is not UTF-8), for text() of a binary body built in the guest. */
function utf8Decode(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; ) {
    const c = bytes[i];
    const n = c < 0x80 ? 0 : c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf5 ? 3 : -1;
    if (n === 0) { s += String.fromCharCode(c); i++; continue; }
    let cp = n === 1 ? c & 31 : n === 2 ? c & 15 : c & 7, ok = n > 0;
    for (let k = 1; ok && k <= n; k++) {
      const d = bytes[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) ok = false; else cp = (cp << 6) | (d & 63);
    }
    if (!ok || (n === 2 && cp < 0x800) || (n === 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp < 0xe000)) { s += '\ufffd'; i++; continue; }
    s += String.fromCodePoint(cp);
    i += n + 1;
  }
  return s;
}

function fromHost(r) {
  const res = Object.create(Response.prototype);
  bodies.set(res, { text: r.text, base64: r.base64 === undefined ? null : r.base64, used: false });
  res.status = r.status;
  res.statusText = r.statusText;
  res.headers = new Headers();
  for (const [k, v] of r.headers) res.headers.append(k, v);
  res.url = r.url;
  res.redirected = r.redirected;
  res.type = 'basic';
  return res;
}

function fetch(input, init) {
  try {
    const o = init || {};
    const url = typeof input === 'string' ? input
      : input && typeof input.url === 'string' ? input.url
      : input && typeof input.href === 'string' ? input.href
      : String(input);
    const headers = new Headers(o.headers !== undefined ? o.headers : input && typeof input === 'object' ? input.headers : undefined);
    let body = null;
    const b = o.body;
    if (b !== undefined && b !== null) {
      if (typeof b === 'string') {
        body = { text: b };
        if (!headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8');
      } else if (b instanceof ArrayBuffer || ArrayBuffer.isView(b)) {
        body = { base64: toBase64(b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength)) };
      } else {
        throw new TypeError('fetch: the body must be a string, an ArrayBuffer or a typed array (for JSON: body: JSON.stringify(data))');
      }
    }
    const req = {
      method: o.method === undefined ? (input && typeof input === 'object' && input.method) || 'GET' : String(o.method),
      headers: Array.from(headers.entries()),
      body,
      redirect: o.redirect === undefined ? 'follow' : String(o.redirect),
    };
    return host('fetch', [url, req]).then(fromHost, (e) => {
      if (e && e.name === 'TypeError') throw new TypeError(e.message);
      throw e;
    });
  } catch (e) {
    return Promise.reject(e);
  }
}

module.exports = fetch;
fetch.fetch = fetch;
fetch.default = fetch;
fetch.Headers = Headers;
fetch.Response = Response;
`;
