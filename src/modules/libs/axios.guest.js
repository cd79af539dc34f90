// The sandbox's `axios`: the real library (its browser build: config merging, params serialization,
// interceptors, transforms, AxiosError), with its own fetch adapter sending every request through the
// sandbox's `fetch` registry module, and so through the account's egress policy. Bundled for the
// isolate by scripts/bundle-modules.mjs, which keeps `require('fetch')` external (the manifest lists
// it in deps, so the engine defines it wherever axios is) and injects axios.shims.js for URL,
// AbortController and btoa.
//
//   const axios = require('axios');            // or: import axios from 'axios';
//   const { data } = await axios.get(url, { params: { n: 1 }, headers: { authorization: 'Bearer ' + token } });
//   const api = axios.create({ baseURL: 'https://api.example.com/v1/', timeout: 5000 });
//   try { await api.post('orders', { number }) } catch (e) { if (axios.isAxiosError(e)) log(e.response?.status, e.message) }
//
// What the sandbox's fetch cannot carry is refused by axios itself, with its own errors: FormData and
// Blob bodies, responseType 'blob'/'stream', upload/download progress.
const axios = require('axios');

let sandboxFetch = null;

/**
 * fetch as axios's adapter calls it (url, options): the sandbox's fetch, loaded on the first request
 * (so `require('axios')` alone loads nothing more), and made to honour `signal`, which carries
 * axios's timeout and cancellation: the request's promise rejects with the signal's reason (axios's
 * own timeout or CanceledError) as soon as it aborts.
 */
function fetchForAxios(url, options) {
  const o = options || {};
  const signal = o.signal;
  if (signal && signal.aborted) return Promise.reject(signal.reason);
  if (!sandboxFetch) sandboxFetch = require('fetch');
  const init = { method: o.method, headers: o.headers };
  if (o.body !== undefined && o.body !== null) init.body = o.body;
  if (o.redirect !== undefined) init.redirect = o.redirect;
  const response = sandboxFetch(url, init);
  if (!signal || typeof signal.addEventListener !== 'function') return response;
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    response.then(
      (r) => { signal.removeEventListener('abort', onAbort); resolve(r); },
      (e) => { signal.removeEventListener('abort', onAbort); reject(e); },
    );
  });
}

function utf8Length(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c < 0xdc00 && i + 1 < s.length ? (i++, 4) : 3;
  }
  return n;
}

/**
 * axios's own fetch adapter, and one thing it cannot do here: it measures a string body against
 * `maxBodyLength` with TextEncoder (or a Request), which the isolate lacks. That check is made here,
 * with axios's error, and the adapter is told the body has been measured.
 */
function sandboxAdapter(config) {
  const limit = config.maxBodyLength;
  const method = String(config.method || 'get').toLowerCase();
  if (typeof config.data === 'string' && typeof limit === 'number' && limit > -1 && method !== 'get' && method !== 'head') {
    if (utf8Length(config.data) > limit) {
      return Promise.reject(new axios.AxiosError('Request body larger than maxBodyLength limit', axios.AxiosError.ERR_BAD_REQUEST, config));
    }
    config = { ...config, maxBodyLength: -1 };
  }
  return axios.getAdapter('fetch', config)(config);
}

// Only the fetch adapter: XMLHttpRequest and Node's http do not exist here (asking for them by name
// is axios's "adapter ... is not supported by the environment"). Request and Response are null on
// purpose: the adapter then calls fetch(url, options) and reads the response as text or an
// ArrayBuffer, which is what the sandbox's fetch offers (no streams).
axios.defaults.adapter = sandboxAdapter;
axios.defaults.env = { ...axios.defaults.env, fetch: fetchForAxios, Request: null, Response: null };

module.exports = axios;
