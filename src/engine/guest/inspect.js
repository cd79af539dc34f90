// @ts-check
// Runs INSIDE the isolate. Formats console arguments the way Node's console does (util.format and a
// small, cycle-safe util.inspect), within a size budget, without ever throwing.
/* eslint-disable */
(function () {
  'use strict';
  const { stringify } = JSON;
  const { keys, getPrototypeOf } = Object;
  const isArray = Array.isArray;
  const MAX_ITEMS = 50;

  function inspect(value, depth, seen) {
    switch (typeof value) {
      case 'string': return depth === 0 ? value : quote(value);
      case 'number': return Object.is(value, -0) ? '-0' : String(value);
      case 'bigint': return String(value) + 'n';
      case 'boolean': case 'undefined': return String(value);
      case 'symbol': return value.toString();
      case 'function': return '[Function: ' + (value.name || '(anonymous)') + ']';
    }
    if (value === null) return 'null';
    if (seen.indexOf(value) !== -1) return '[Circular]';
    if (value instanceof Error) return value.stack ? String(value.stack) : String(value);
    if (value instanceof Date) return isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    if (value instanceof RegExp) return String(value);
    if (depth > 2) return isArray(value) ? '[Array]' : '[Object]';
    seen.push(value);
    try {
      if (isArray(value)) {
        const parts = [];
        for (let i = 0; i < value.length && i < MAX_ITEMS; i++) parts.push(inspect(value[i], depth + 1, seen));
        if (value.length > MAX_ITEMS) parts.push('... ' + (value.length - MAX_ITEMS) + ' more items');
        return parts.length ? '[ ' + parts.join(', ') + ' ]' : '[]';
      }
      if (value instanceof Map || value instanceof Set) {
        const parts = [];
        let n = 0;
        for (const entry of value) {
          if (n++ >= MAX_ITEMS) { parts.push('...'); break; }
          parts.push(value instanceof Map
            ? inspect(entry[0], depth + 1, seen) + ' => ' + inspect(entry[1], depth + 1, seen)
            : inspect(entry, depth + 1, seen));
        }
        return (value instanceof Map ? 'Map(' : 'Set(') + value.size + ') {' + (parts.length ? ' ' + parts.join(', ') + ' ' : '') + '}';
      }
      const proto = getPrototypeOf(value);
      const ctor = proto && proto !== Object.prototype && proto.constructor && proto.constructor.name;
      const ks = keys(value);
      const parts = [];
      for (let i = 0; i < ks.length && i < MAX_ITEMS; i++) {
        const k = ks[i];
        const name = /^[A-Za-z_$][\w$]*$/.test(k) ? k : quote(k);
        parts.push(name + ': ' + inspect(value[k], depth + 1, seen));
      }
      if (ks.length > MAX_ITEMS) parts.push('... ' + (ks.length - MAX_ITEMS) + ' more properties');
      const body = parts.length ? '{ ' + parts.join(', ') + ' }' : '{}';
      return proto === null ? '[Object: null prototype] ' + body : ctor ? ctor + ' ' + body : body;
    } finally {
      seen.pop();
    }
  }

  function quote(s) {
    return "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n') + "'";
  }

  function safe(fn, fallback) {
    try { return fn(); } catch (e) { return fallback; }
  }

  /** Node's util.format: printf-style substitutions in a first string argument, then the rest. */
  function format(args) {
    let out = '';
    let i = 0;
    if (typeof args[0] === 'string' && args.length > 1 && args[0].indexOf('%') !== -1) {
      const f = args[0];
      i = 1;
      for (let p = 0; p < f.length; p++) {
        const c = f[p];
        if (c !== '%' || p + 1 >= f.length) { out += c; continue; }
        const n = f[++p];
        if (n === '%') { out += '%'; continue; }
        if ('sdifjoOc'.indexOf(n) === -1) { out += '%' + n; continue; }
        if (i >= args.length) { out += '%' + n; continue; }
        const a = args[i++];
        if (n === 's') out += typeof a === 'string' ? a : inspect(a, 1, []);
        else if (n === 'd' || n === 'i') out += typeof a === 'bigint' ? a + 'n' : String(n === 'i' ? parseInt(a) : Number(a));
        else if (n === 'f') out += String(parseFloat(a));
        else if (n === 'j') out += safe(() => stringify(a), '[Circular]');
        else if (n === 'c') { /* CSS: ignored, as in Node */ }
        else out += inspect(a, 1, []);
      }
    }
    for (; i < args.length; i++) {
      const a = args[i];
      out += (out.length || i > 0 ? ' ' : '') + (typeof a === 'string' ? a : safe(() => inspect(a, 1, []), '[uninspectable]'));
    }
    return out;
  }

  return { format, inspect: (v) => safe(() => inspect(v, 1, []), '[uninspectable]') };
})
