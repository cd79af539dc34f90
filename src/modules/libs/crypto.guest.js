// The sandbox's `crypto` module: a subset of Node's crypto API (randomUUID, createHash, createHmac)
// over @noble/hashes (audited, pure JavaScript). Bundled for the isolate by scripts/bundle-modules.mjs;
// it runs INSIDE the isolate, which has no Buffer, TextEncoder or crypto.getRandomValues.
//
//   const crypto = require('crypto');
//   crypto.createHash('sha256').update('abc').digest('hex');
//   crypto.createHmac('sha256', secret).update(body).digest('base64');
//   crypto.randomUUID();
import { sha224, sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { md5, sha1 } from '@noble/hashes/legacy.js';
import { sha3_256, sha3_512 } from '@noble/hashes/sha3.js';
import { hmac } from '@noble/hashes/hmac.js';

const ALGORITHMS = {
  md5, sha1, sha224, sha256, sha384, sha512, 'sha3-256': sha3_256, 'sha3-512': sha3_512,
};
const ALIASES = { 'sha-1': 'sha1', 'sha-224': 'sha224', 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' };

function algorithm(name) {
  if (typeof name !== 'string') throw new TypeError('The "algorithm" argument must be a string');
  let key = name.toLowerCase();
  key = ALIASES[key] || key;
  if (!Object.prototype.hasOwnProperty.call(ALGORITHMS, key)) {
    const e = new Error('Digest method not supported: ' + name + ' (available: ' + Object.keys(ALGORITHMS).join(', ') + ')');
    e.code = 'ERR_CRYPTO_INVALID_DIGEST';
    throw e;
  }
  return ALGORITHMS[key];
}

// --- encodings (the isolate has no Buffer, TextEncoder, atob or btoa) ------------------------------
function utf8(s) {
  const out = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); i++; }
      else c = 0xfffd;
    } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function toBase64(b, url) {
  let s = '';
  for (let i = 0; i < b.length; i += 3) {
    const n = (b[i] << 16) | ((b[i + 1] || 0) << 8) | (b[i + 2] || 0);
    s += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < b.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < b.length ? B64[n & 63] : '=');
  }
  return url ? s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') : s;
}
function fromBase64(s) {
  const clean = s.replace(/-/g, '+').replace(/_/g, '/').replace(/[^A-Za-z0-9+/]/g, '');
  const out = [];
  let bits = 0, n = 0;
  for (const ch of clean) {
    n = (n << 6) | B64.indexOf(ch);
    bits += 6;
    if (bits >= 8) { bits -= 8; out.push((n >> bits) & 255); }
  }
  return Uint8Array.from(out);
}
function toHex(b) {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return s;
}
function fromHex(s) {
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) {
    const v = parseInt(s.substr(i * 2, 2), 16);
    if (Number.isNaN(v)) break;
    out[i] = v;
  }
  return out;
}
function latin1(s) {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 255;
  return out;
}

function bytes(data, encoding, what) {
  if (typeof data === 'string') {
    switch ((encoding || 'utf8').toLowerCase()) {
      case 'utf8': case 'utf-8': return utf8(data);
      case 'hex': return fromHex(data);
      case 'base64': case 'base64url': return fromBase64(data);
      case 'latin1': case 'binary': case 'ascii': return latin1(data);
      default: throw new TypeError('Unknown encoding: ' + encoding + ' (use utf8, hex, base64, base64url or latin1)');
    }
  }
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError('The "' + what + '" argument must be a string, a Uint8Array or an ArrayBuffer');
}

function encode(b, encoding) {
  if (encoding === undefined || encoding === 'buffer') return b; // Node returns a Buffer: here, a Uint8Array
  switch (String(encoding).toLowerCase()) {
    case 'hex': return toHex(b);
    case 'base64': return toBase64(b, false);
    case 'base64url': return toBase64(b, true);
    case 'latin1': case 'binary': return String.fromCharCode.apply(null, Array.from(b));
    default: throw new TypeError('Unknown digest encoding: ' + encoding + ' (use hex, base64, base64url or latin1)');
  }
}

// --- Hash and Hmac, with Node's one-shot digest semantics -----------------------------------------
class Digest {
  #state; #done = false; #kind;
  constructor(kind, state) { this.#kind = kind; this.#state = state; }
  update(data, inputEncoding) {
    if (this.#done) throw Object.assign(new Error('Digest already called'), { code: 'ERR_CRYPTO_HASH_FINALIZED' });
    this.#state.update(bytes(data, inputEncoding, 'data'));
    return this;
  }
  digest(encoding) {
    if (this.#done) throw Object.assign(new Error('Digest already called'), { code: 'ERR_CRYPTO_HASH_FINALIZED' });
    this.#done = true;
    return encode(this.#state.digest(), encoding);
  }
  copy() {
    if (this.#done) throw Object.assign(new Error('Digest already called'), { code: 'ERR_CRYPTO_HASH_FINALIZED' });
    return new this.constructor(this.#kind, this.#state.clone());
  }
}
export class Hash extends Digest {}
export class Hmac extends Digest {}

export function createHash(alg) {
  return new Hash(alg, algorithm(alg).create());
}
export function createHmac(alg, key, keyEncoding) {
  if (key === undefined || key === null) throw new TypeError('The "key" argument must be a string or a Uint8Array');
  return new Hmac(alg, hmac.create(algorithm(alg), bytes(key, typeof keyEncoding === 'string' ? keyEncoding : undefined, 'key')));
}
/** Node 21.7's one-shot form: crypto.hash('sha256', data, 'hex'). */
export function hash(alg, data, outputEncoding = 'hex') {
  return encode(algorithm(alg)(bytes(data, undefined, 'data')), outputEncoding);
}
export function getHashes() {
  return Object.keys(ALGORITHMS);
}
/** Constant-time comparison of two equal-length byte sequences (throws on different lengths, like Node). */
export function timingSafeEqual(a, b) {
  const x = bytes(a, undefined, 'buf1'), y = bytes(b, undefined, 'buf2');
  if (x.length !== y.length) throw new RangeError('Input buffers must have the same byte length');
  let d = 0;
  for (let i = 0; i < x.length; i++) d |= x[i] ^ y[i];
  return d === 0;
}

// --- randomUUID ------------------------------------------------------------------------------------
// The isolate has no crypto.getRandomValues and no synchronous way to ask the host for entropy. V8
// seeds each context's Math.random (xorshift128+) from the embedder's entropy source (Node: OpenSSL's
// CSPRNG), so the secret here is that generator's state. It is never shown raw: it is drawn into a
// 256-bit seed together with the clock, and UUIDs are SHA-256(seed || counter), so UUIDs do not
// reveal the Math.random stream nor one another. Limits: the entropy is at most the 128-bit
// xorshift state, and code in the same context that reads enough raw Math.random output (the
// customer's own script) could in principle reconstruct it.
let seed = null;
let counter = 0;
function reseed() {
  const h = sha256.create();
  const w = new Uint32Array(16);
  for (let i = 0; i < 16; i++) w[i] = Math.floor(Math.random() * 0x100000000);
  h.update(new Uint8Array(w.buffer));
  h.update(utf8(String(Date.now()) + ':' + String(counter)));
  if (seed) h.update(seed);
  seed = h.digest();
}
export function randomUUID() {
  if (seed === null || counter % 4096 === 0) reseed();
  counter++;
  const c = new Uint8Array(8);
  let n = counter;
  for (let i = 7; i >= 0; i--) { c[i] = n & 255; n = Math.floor(n / 256); }
  const b = sha256.create().update(seed).update(c).digest().subarray(0, 16);
  b[6] = (b[6] & 0x0f) | 0x40; // version 4
  b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
  const h = toHex(b);
  return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
}

export default { createHash, createHmac, hash, getHashes, timingSafeEqual, randomUUID, Hash, Hmac };
