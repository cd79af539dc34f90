// @ts-check
// Runs INSIDE the isolate, once per context. It installs the guest's globals (console, timers,
// process.env, queueMicrotask) and returns the engine's internal API to the host, which holds it as a
// reference; nothing of that API is reachable from customer code.
//
// Every entry point returns a STRING (never an object), built under the isolate's own timeout, so
// the host never touches a guest object: "<kind><flag><logs length>:<logs JSON><payload>", where kind
// is R (result JSON follows), E (error JSON), P (pending: {ops, timer, quiet}) or X (this context was
// tampered with in a way that cannot be undone: the host discards it and runs the call on a new one).
/* eslint-disable */
(function prelude(inspector, available, voiceRuntime) {
  'use strict';
  const G = globalThis;
  const { parse, stringify } = JSON;
  const { apply, ownKeys, getOwnPropertyDescriptor, defineProperty, getPrototypeOf, deleteProperty } = Reflect;
  const { freeze, create, hasOwn, keys: objectKeys, is } = Object;
  const isArray = Array.isArray;
  const dateNow = Date.now;
  const PromiseCtor = Promise;
  const promiseThen = Promise.prototype.then;
  const promiseResolve = Promise.resolve.bind(Promise);
  const MapCtor = Map;
  const SetCtor = Set;
  const mapGet = Map.prototype.get, mapSet = Map.prototype.set, mapHas = Map.prototype.has, mapDelete = Map.prototype.delete;
  const ErrorCtor = Error;
  const StringCtor = String;
  const charCodeAt = String.prototype.charCodeAt;
  const { format, inspect } = inspector;
  const availableModules = freeze(available.slice());

  // --- What the sandbox does not offer -----------------------------------------------------------
  for (const name of ['WebAssembly', 'SharedArrayBuffer', 'Atomics']) deleteProperty(G, name);

  // --- Errors the sandbox raises in the guest, with the stable code the host maps to a class -------
  const ours = new WeakSet();
  function sandboxError(code, name, message) {
    const e = new ErrorCtor(message);
    defineProperty(e, 'name', { value: name, writable: true, configurable: true });
    ours.add(e);
    e.code = code;
    return e;
  }

  // --- Invocations --------------------------------------------------------------------------------
  // One per execution: its logs, timers and pending host operations.
  /** @type {any} */
  let current = null;
  const invocations = new MapCtor();

  function newInvocation(opts) {
    return {
      id: opts.inv, type: opts.type, limits: opts.limits, isolation: opts.isolation,
      logs: '', logBytes: 0, logDropped: 0, truncated: false,
      timers: new MapCtor(), timerSeq: 0,
      ops: new MapCtor(), opSeq: 0, outbox: [],
      settled: null, data: undefined, returnInput: !!opts.returnInput, fetch: null,
      /** A voice execution's call: {ctx, settled(ok)} (ctx.js). */
      voice: null,
    };
  }

  function requireAsync(what) {
    if (current && current.type === 'script') {
      throw sandboxError('WRONG_TYPE', 'ExecutionTypeError',
        what + " is not available in type 'script', which runs synchronously: use type 'app'");
    }
  }

  // --- console ------------------------------------------------------------------------------------
  function log(level, args) {
    const inv = current;
    if (!inv) return;
    if (inv.truncated) { inv.logDropped++; return; }
    let message = format(args);
    if (message.length > 8192) message = message.slice(0, 8192) + '… (' + (message.length - 8192) + ' more characters)';
    const bytes = utf8Length(message) + 40;
    if (inv.logBytes + bytes > inv.limits.logBytes) {
      inv.truncated = true;
      inv.logDropped++;
      return;
    }
    inv.logBytes += bytes;
    // Kept as JSON text, not as an entry object: customer code could reach an object after it was
    // counted (a patched Array.prototype.push, an index setter, a toJSON) and grow or reshape it.
    inv.logs += (inv.logs === '' ? '' : ',') + logEntryJson(level, message);
  }
  function logEntryJson(level, message) {
    return '{"level":"' + level + '","ts":' + dateNow() + ',"message":' + stringify(StringCtor(message)) + '}';
  }
  const console = {};
  for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
    console[level] = function () { log(level, arguments); };
  }
  console.trace = function () { log('debug', arguments); };
  console.dir = function (v) { log('log', [inspect(v)]); };
  console.table = function (v) { log('log', [inspect(v)]); };
  console.assert = function (cond) {
    if (!cond) log('error', ['Assertion failed' + (arguments.length > 1 ? ':' : '')].concat(Array.prototype.slice.call(arguments, 1)));
  };
  function warn(message) { log('warn', [message]); }

  // --- timers (app and driver only) ----------------------------------------------------------------
  function live() {
    if (!current) throw sandboxError('ENDED', 'Error', 'This execution has already ended');
    return current;
  }
  function addTimer(fn, ms, args, repeat) {
    requireAsync(repeat ? 'setInterval' : 'setTimeout');
    const inv = live();
    if (typeof fn !== 'function') throw new TypeError('The timer callback must be a function (strings are not evaluated)');
    if (inv.timers.size >= inv.limits.timers) {
      throw sandboxError('TIMER_LIMIT', 'TimerLimitError',
        'Too many timers: at most ' + inv.limits.timers + ' may be pending at once');
    }
    const delay = Math.max(repeat ? 1 : 0, Number(ms) || 0);
    const id = ++inv.timerSeq;
    apply(mapSet, inv.timers, [id, { due: dateNow() + delay, delay, fn, args, repeat }]);
    return id;
  }
  function clearTimer(id) {
    if (current) apply(mapDelete, current.timers, [id]);
  }
  const globals = {
    console,
    setTimeout(fn, ms, ...args) { return addTimer(fn, ms, args, false); },
    setInterval(fn, ms, ...args) { return addTimer(fn, ms, args, true); },
    setImmediate(fn, ...args) { return addTimer(fn, 0, args, false); },
    clearTimeout: clearTimer, clearInterval: clearTimer, clearImmediate: clearTimer,
    queueMicrotask(fn) {
      if (typeof fn !== 'function') throw new TypeError('queueMicrotask needs a function');
      apply(promiseThen, promiseResolve(), [() => fn()]);
    },
    /** The registry's 'fetch' module, instantiated once per invocation that calls it (nothing of it outlives the call). */
    fetch(input, init) {
      requireAsync('fetch()');
      const inv = live();
      if (!inv.fetch) inv.fetch = makeRequire(new MapCtor(), false)('fetch');
      return inv.fetch(input, init);
    },
  };
  for (const name of objectKeys(globals)) {
    defineProperty(G, name, { value: globals[name], writable: true, configurable: true, enumerable: false });
  }

  // --- host operations (module I/O): queued, performed by the host between turns ------------------
  function hostCall(module, method, args) {
    requireAsync("require('" + module + "')");
    const inv = live();
    return new PromiseCtor((resolve, reject) => {
      const op = ++inv.opSeq;
      apply(mapSet, inv.ops, [op, { resolve, reject }]);
      inv.outbox.push({ op, m: module, f: method, a: args === undefined ? [] : args });
    });
  }

  /** Class 5 voice: the ctx of each voice invocation (ctx.js), its operations host operations of 'ctx'. */
  const makeCall = voiceRuntime({ hostCall, log, format });

  // --- modules ------------------------------------------------------------------------------------
  const moduleFactories = new MapCtor();

  function makeRequire(cache, importing) {
    const requireFn = function require(name) {
      if (typeof name !== 'string') throw new TypeError('require() needs a module name string');
      requireAsync(importing ? "import '" + name + "'" : "require('" + name + "')");
      if (apply(mapHas, cache, [name])) return apply(mapGet, cache, [name]).exports;
      const factory = apply(mapGet, moduleFactories, [name]);
      if (!factory) {
        const known = availableModules.indexOf(name) !== -1;
        throw sandboxError('MODULE_NOT_FOUND', 'ModuleNotFoundError', known
          ? "Module '" + name + "' can only be loaded with a string literal: require('" + name + "') or import ... from '" + name + "'"
          : "Module '" + name + "' is not available in the sandbox. Available modules: " + (availableModules.join(', ') || '(none)'));
      }
      const module = { exports: {} };
      apply(mapSet, cache, [name, module]);
      factory(module, module.exports, makeRequire(cache, false), (method, args) => hostCall(name, method, args));
      return module.exports;
    };
    return requireFn;
  }

  /** import semantics over a CommonJS module: default is module.exports unless it is an ES module. */
  function importInterop(exportsValue) {
    if (exportsValue && exportsValue.__esModule) return exportsValue;
    const ns = create(null);
    if (exportsValue !== null && (typeof exportsValue === 'object' || typeof exportsValue === 'function')) {
      for (const k of objectKeys(exportsValue)) ns[k] = exportsValue[k];
    }
    ns.default = exportsValue;
    return ns;
  }

  // --- customer scripts ---------------------------------------------------------------------------
  const scripts = new MapCtor();

  function instantiate(script) {
    const cache = new MapCtor();
    const requireFn = makeRequire(cache, false);
    const importFn = (name) => importInterop(makeRequire(cache, true)(name));
    const dynamicImport = (name) => {
      try { return promiseResolve(importFn(name)); } catch (e) { return PromiseCtor.reject(e); }
    };
    const module = { exports: {} };
    const initialExports = module.exports;
    const locals = script.factory.call(script.meta.format === 'esm' ? undefined : G,
      module, module.exports, requireFn, importFn, dynamicImport);
    let exportsValue = module.exports;
    if (exportsValue === initialExports && hasOwn(module, 'export')) {
      exportsValue = module.export;
      warn('module.export is a typo for module.exports: it was accepted, but please write module.exports');
    }
    return { locals, exportsValue };
  }

  function callables(instance) {
    const out = new MapCtor();
    const add = (name, v) => { if (typeof v === 'function' && !apply(mapHas, out, [name])) apply(mapSet, out, [name, v]); };
    const ex = instance.exportsValue;
    if (typeof ex === 'function') add('main', ex);
    else if (ex !== null && typeof ex === 'object') {
      for (const k of objectKeys(ex)) add(k, ex[k]);
      if (typeof ex.default === 'function') add('main', ex.default);
    }
    const locals = instance.locals;
    if (locals) for (const k of objectKeys(locals)) add(k, locals[k]);
    return out;
  }

  function resolveFunction(instance, fn) {
    const table = callables(instance);
    const f = apply(mapGet, table, [fn]);
    if (f) return f;
    const names = [];
    for (const k of table.keys()) if (k !== 'default') names.push(k);
    throw sandboxError('FUNCTION_NOT_FOUND', 'FunctionNotFoundError',
      "Function '" + fn + "' is not defined" + (names.length ? '. Callable functions: ' + names.join(', ') : ': the script defines no callable function'));
  }

  // --- results ------------------------------------------------------------------------------------
  function kindOf(v) {
    const p = getPrototypeOf(v);
    if (p === MapCtor.prototype) return 'a Map (convert it with Object.fromEntries)';
    if (p === SetCtor.prototype) return 'a Set (convert it with Array.from)';
    if (p === PromiseCtor.prototype) return 'a Promise (await it first)';
    if (p === WeakMap.prototype || p === WeakSet.prototype) return 'a ' + p.constructor.name;
    return null;
  }
  function notJson(what) {
    return sandboxError('RESULT_NOT_JSON', 'SerializationError', 'The result is not JSON data: ' + what);
  }
  function findPath(root, test) {
    const seen = new SetCtor();
    function walk(v, path, depth) {
      const t = test(v);
      if (t) return path + ' is ' + t;
      if (v === null || typeof v !== 'object' || depth > 64 || seen.has(v)) return null;
      seen.add(v);
      for (const k of objectKeys(v)) {
        let child;
        try { child = v[k]; } catch (e) { return path + '.' + k + ' threw when read: ' + describeValue(e); }
        const found = walk(child, path + (isArray(v) ? '[' + k + ']' : '.' + k), depth + 1);
        if (found) return found;
      }
      return null;
    }
    return walk(root, 'result', 0);
  }
  function badValue(v) {
    switch (typeof v) {
      case 'function': return 'a function';
      case 'symbol': return 'a symbol';
      case 'bigint': return 'a BigInt (convert it with String or Number)';
      case 'object': return v === null ? null : kindOf(v);
    }
    return null;
  }
  const ObjectProto = Object.prototype;
  /**
   * True when JSON.stringify would represent `v` faithfully: plain objects, arrays and primitives
   * (anything with a toJSON, like a Date, counts as data). A walk without a replacer is about twice
   * as fast as JSON.stringify with one, and this is on every call's path.
   */
  function plainJson(v, depth) {
    switch (typeof v) {
      case 'string': case 'number': case 'boolean': case 'undefined': return true;
      case 'object': break;
      default: return false;
    }
    if (v === null) return true;
    if (depth > 512) return false;
    if (isArray(v)) {
      for (let i = 0; i < v.length; i++) if (!plainJson(v[i], depth + 1)) return false;
      return true;
    }
    const p = getPrototypeOf(v);
    if (p !== ObjectProto && p !== null) return typeof v.toJSON === 'function' && !kindOf(v);
    for (const k in v) if (!plainJson(v[k], depth + 1)) return false;
    return true;
  }
  function utf8Length(s) {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      const c = apply(charCodeAt, s, [i]); // not s.charCodeAt: customer code may have replaced it
      n += c < 0x80 ? 1 : c < 0x800 ? 2 : (c >= 0xd800 && c < 0xdc00) ? (i++, 4) : 3;
    }
    return n;
  }
  function serialize(inv, value) {
    if (value === undefined) {
      if (inv.returnInput) {
        warn('main() returned nothing: the data as the script left it is passed on (return data to silence this warning)');
        value = inv.data;
      }
      if (value === undefined) return 'null';
    }
    let json;
    try {
      if (!plainJson(value, 0)) {
        const where = findPath(value, badValue);
        if (where) throw notJson(where);
      }
      json = stringify(value);
    } catch (e) {
      if (ours.has(e)) throw e;
      if (e instanceof TypeError && /circular/i.test(String(e.message))) throw notJson('it contains a cycle (' + String(e.message).replace(/\s+/g, ' ') + ')');
      if (e instanceof RangeError) throw e;
      throw notJson('reading it threw ' + describeValue(e));
    }
    if (json === undefined) throw notJson('result is ' + (badValue(value) || typeof value));
    const max = inv.limits.resultBytes;
    if (json.length * 3 > max && utf8Length(json) > max) {
      throw sandboxError('OUTPUT_TOO_LARGE', 'OutputTooLargeError',
        'The result is ' + utf8Length(json) + ' bytes of JSON; the limit is ' + max);
    }
    return json;
  }

  // --- errors -------------------------------------------------------------------------------------
  function describeValue(v) {
    try {
      if (v instanceof ErrorCtor) return StringCtor(v.name) + ': ' + StringCtor(v.message);
      return inspect(v);
    } catch (e) {
      return '(a value that cannot be described)';
    }
  }
  function read(obj, key) {
    try { const v = obj[key]; return v === undefined || v === null ? undefined : StringCtor(v); } catch (e) { return undefined; }
  }
  function describeError(e, filename) {
    if (isArray(e) && e.length >= 1 && typeof e[0] === 'number') {
      // The legacy SIP rejection: [604, 'Number on DNC List']
      return { name: 'Error', message: StringCtor(e[0]) + (e.length > 1 ? ' ' + read(e, 1) : ''), sip: [e[0], read(e, 1) || ''] };
    }
    if (e !== null && typeof e === 'object' && (e instanceof ErrorCtor || typeof read(e, 'message') === 'string')) {
      const out = { name: read(e, 'name') || 'Error', message: read(e, 'message') || '' };
      if (ours.has(e)) out.code = e.code;
      else {
        // The SIP convention: throw new Error('604 Number on DNC List')
        const m = /^([4-6]\d\d)(?:\s+([\s\S]*))?$/.exec(out.message);
        if (m) out.sip = [+m[1], m[2] || ''];
      }
      const stack = read(e, 'stack');
      if (stack) {
        const kept = [];
        for (const line of stack.split('\n')) {
          if (line.indexOf('sf:prelude') === -1) kept.push(line);
          if (out.line === undefined) {
            const at = line.lastIndexOf(filename + ':');
            if (at !== -1) {
              const m = /^(\d+):(\d+)/.exec(line.slice(at + filename.length + 1));
              if (m) { out.line = +m[1]; out.column = +m[2]; }
            }
          }
        }
        out.stack = kept.join('\n');
      }
      return out;
    }
    return { name: 'Error', message: 'Uncaught ' + describeValue(e) };
  }

  // --- fresh state: frozen built-ins, globals put back before each execution --------------------
  // Built-ins are frozen once per context (as in Hardened JavaScript), so that no execution can
  // change what the next one finds, and nothing needs checking per run. The properties that code
  // commonly sets on its own objects and errors (`err.name = ...`, `Foo.prototype.toString = ...`)
  // become accessors that define the property on the object assigned to, not on the built-in
  // (the "override mistake" of a frozen prototype). RegExp.prototype alone stays unfrozen: V8 takes
  // its fast regular-expression paths only while that object is untouched, so it is checked instead.
  const INSTALLED = new SetCtor(['process']);
  const regexpProto = RegExp.prototype;
  const regexpKeys = ownKeys(regexpProto);
  const regexpSaved = regexpKeys.map((k) => getOwnPropertyDescriptor(regexpProto, k));

  (function lockdown() {
    const errorProtos = [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError, AggregateError]
      .map((C) => C.prototype);
    const typedArrayProto = getPrototypeOf(Int8Array.prototype);
    const names = (o) => ownKeys(o).filter((k) => typeof k === 'string' && k !== 'constructor');
    const overridable = [
      [Object.prototype, [...names(Object.prototype), 'constructor']],
      [Function.prototype, ['toString', 'constructor', 'bind']],
      [Error.prototype, ['toString']],
      ...errorProtos.map((p) => [p, ['constructor', 'name', 'message']]),
      [Array.prototype, ['toString', 'toLocaleString']],
      [typedArrayProto, names(typedArrayProto)], // Buffer shims set toString, slice... on their own prototype
      [Promise.prototype, ['then']], // axios's CancelToken sets `then` on its promise
    ];
    for (const [home, names] of overridable) for (const name of names) overridableProperty(home, name);

    const seen = new SetCtor([G, regexpProto]);
    const queue = [];
    const visit = (v) => {
      if (((typeof v === 'object' && v !== null) || typeof v === 'function') && !seen.has(v)) {
        seen.add(v);
        queue.push(v);
      }
    };
    for (const k of ownKeys(G)) if (!INSTALLED.has(k)) visit(getOwnPropertyDescriptor(G, k).value);
    // Prototypes no property leads to, only an instance: generators, iterators, segments...
    const hidden = [function* () {}, async function () {}, async function* () {}, [][Symbol.iterator](), new Map().entries(),
      new Set().values(), ''[Symbol.iterator](), /x/[Symbol.matchAll]('')];
    if (typeof Intl === 'object' && typeof Intl.Segmenter === 'function') {
      const segments = new Intl.Segmenter().segment('');
      hidden.push(segments, segments[Symbol.iterator]());
    }
    if (typeof hidden[3].map === 'function') hidden.push(hidden[3].map((x) => x)); // iterator helpers (newer V8)
    if (typeof G.Iterator === 'function' && typeof G.Iterator.from === 'function') hidden.push(G.Iterator.from({ next() { return { done: true }; } }));
    for (const h of hidden) visit(getPrototypeOf(h));
    visit(getPrototypeOf(regexpProto));
    for (const d of regexpSaved) { visit(d.value); visit(d.get); visit(d.set); }
    // Without a descriptor object per property: this runs for every new context, and its garbage
    // would grow the isolate's heap for good (a context costs about 750 KiB more with descriptors).
    const lookupGetter = Object.prototype.__lookupGetter__;
    const lookupSetter = Object.prototype.__lookupSetter__;
    while (queue.length > 0) {
      const o = queue.pop();
      visit(getPrototypeOf(o));
      const ks = ownKeys(o);
      for (let i = 0; i < ks.length; i++) {
        const get = lookupGetter.call(o, ks[i]); // built-ins are untouched yet: no customer code has run
        const set = lookupSetter.call(o, ks[i]);
        if (get === undefined && set === undefined) visit(o[ks[i]]);
        else { visit(get); visit(set); }
      }
      freeze(o);
    }
    // The global bindings of the built-ins cannot be replaced or deleted either.
    for (const k of ownKeys(G)) {
      if (INSTALLED.has(k)) continue;
      const d = getOwnPropertyDescriptor(G, k);
      if (d.configurable) defineProperty(G, k, 'value' in d ? { value: d.value, writable: false, configurable: false } : { configurable: false });
    }
  })();

  /** `home[name]` as an accessor: reading gives the built-in; assigning defines it on the target object. */
  function overridableProperty(home, name) {
    const d = getOwnPropertyDescriptor(home, name);
    if (d === undefined || !('value' in d) || !d.configurable) return;
    const value = d.value;
    defineProperty(home, name, {
      get() { return value; },
      set(v) {
        if (this === home) throw new TypeError("Cannot assign to read only property '" + name + "' of a built-in prototype");
        defineProperty(this, name, { value: v, writable: true, enumerable: true, configurable: true });
      },
      enumerable: d.enumerable,
      configurable: false,
    });
  }

  setProcess({});
  const globalKeys = new SetCtor(ownKeys(G));
  const globalProto = getPrototypeOf(G);
  const { isExtensible } = Object;
  const objectProto = Object.prototype;

  /**
   * Puts the global object back as it was before the previous execution in this context (removes
   * the globals it added); false when that cannot be done here. Done at the START of each fresh
   * execution, so that what a previous one's late callbacks did is undone too.
   */
  function restore() {
    const ks = ownKeys(G);
    if (ks.length !== globalKeys.size || !hasOwn(G, 'process')) {
      for (const k of ks) {
        if (globalKeys.has(k)) continue;
        if (!deleteProperty(G, k)) return false; // a global defined non-configurable: it stays
      }
    }
    /x/.exec('x'); // reset RegExp.$1 and friends, which would otherwise carry the last match over
    return getPrototypeOf(G) === globalProto && isExtensible(G) && regexpIntact();
  }
  function regexpIntact() {
    const ks = ownKeys(regexpProto);
    if (ks.length !== regexpKeys.length || getPrototypeOf(regexpProto) !== objectProto || !isExtensible(regexpProto)) return false;
    for (let i = 0; i < regexpKeys.length; i++) {
      const d = getOwnPropertyDescriptor(regexpProto, regexpKeys[i]);
      const s = regexpSaved[i];
      if (d === undefined || d.value !== s.value || d.get !== s.get || d.set !== s.set || d.writable !== s.writable || d.configurable !== s.configurable) return false;
    }
    return true;
  }

  // --- entry points ------------------------------------------------------------------------------
  function envelope(kind, inv, payload) {
    let logs = '';
    if (inv) {
      let entries = inv.logs;
      inv.logs = '';
      if (inv.truncated && inv.logDropped && kind !== 'P') {
        entries += (entries === '' ? '' : ',') + logEntryJson('warn',
          'log truncated: ' + inv.logDropped + ' more entries were dropped (limit ' + inv.limits.logBytes + ' bytes)');
        inv.logDropped = 0;
      }
      if (entries !== '') logs = '[' + entries + ']';
    }
    return kind + logs.length + ':' + logs + payload;
  }

  function finish(inv, script, ok, value) {
    let kind = 'R', payload;
    if (ok) {
      try { payload = serialize(inv, value); } catch (e) { ok = false; value = e; }
    }
    if (!ok) { kind = 'E'; payload = stringify(describeError(value, script.filename)); }
    apply(mapDelete, invocations, [inv.id]);
    const out = envelope(kind, inv, payload);
    current = null;
    return out;
  }

  function pending(inv, quiet) {
    let timer = null;
    for (const t of inv.timers.values()) if (timer === null || t.due < timer) timer = t.due;
    const payload = stringify({ ops: inv.outbox, timer: timer === null ? null : Math.max(0, timer - dateNow()), quiet });
    inv.outbox = [];
    return envelope('P', inv, payload);
  }
  function isThenable(v) {
    return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function';
  }

  function setProcess(env) {
    defineProperty(G, 'process', { value: freeze({ env: freeze(env) }), writable: true, configurable: true, enumerable: false });
  }

  return {
    defineModule(name, factory) { apply(mapSet, moduleFactories, [name, factory]); },
    defineScript(key, factory, metaJson) {
      const meta = parse(metaJson);
      apply(mapSet, scripts, [key, { factory, meta, filename: meta.filename, instance: null }]);
    },
    dropScript(key) { apply(mapDelete, scripts, [key]); },

    /** Starts an execution. Scripts finish here; apps and drivers then go on with poll(). */
    run(key, fn, inputJson, optsJson) {
      const opts = parse(optsJson);
      if (opts.isolation === 'fresh' && !opts.clean && !restore()) return 'X0:';
      const inv = newInvocation(opts);
      const script = apply(mapGet, scripts, [key]);
      if (!script) return 'E0:' + stringify({ name: 'Error', message: 'script ' + key + ' is not defined in this context' });
      current = inv;
      setProcess(opts.env || {});
      try {
        if (inputJson !== '') inv.data = parse(inputJson);
        let instance;
        if (opts.isolation === 'reuse') instance = script.instance || (script.instance = instantiate(script));
        else instance = instantiate(script);
        const args = inv.data === undefined ? [] : [inv.data];
        if (opts.voice !== undefined) {
          inv.voice = makeCall(opts.voice);
          args[1] = inv.voice.ctx;
        }
        let out;
        if (isThenable(instance.locals)) {
          // An ES module with top-level await: its exports exist once its body has finished.
          requireAsync('Top-level await');
          out = apply(promiseThen, instance.locals, [(locals) => apply(resolveFunction({ locals, exportsValue: instance.exportsValue }, fn), undefined, args)]);
        } else {
          out = apply(resolveFunction(instance, fn), undefined, args);
        }
        if (opts.type === 'script') {
          if (isThenable(out)) {
            throw sandboxError('WRONG_TYPE', 'ExecutionTypeError',
              "main() returned a Promise, but type 'script' runs synchronously: use type 'app' for async code");
          }
          return finish(inv, script, true, out);
        }
        apply(promiseThen, promiseResolve(out), [
          (v) => { inv.settled = { ok: true, v }; if (inv.voice) inv.voice.settled(true); },
          (e) => { inv.settled = { ok: false, v: e }; if (inv.voice) inv.voice.settled(false); },
        ]);
        apply(mapSet, invocations, [inv.id, { inv, script }]);
        return pending(inv, false);
      } catch (e) {
        return finish(inv, script, false, e);
      }
    },

    /** Delivers host results, fires due timers, and reports whether the execution has settled. */
    poll(id, deliveriesJson) {
      const entry = apply(mapGet, invocations, [id]);
      if (!entry) return 'E0:' + stringify({ name: 'Error', message: 'unknown invocation' });
      const { inv, script } = entry;
      current = inv;
      if (inv.settled) {
        // A voice call sees the operations main started just before it settled (they end with the call).
        if (inv.voice !== null && inv.outbox.length > 0) return pending(inv, false);
        return finish(inv, script, inv.settled.ok, inv.settled.v);
      }
      let quiet = true;
      if (deliveriesJson !== '') {
        for (const d of parse(deliveriesJson)) {
          quiet = false;
          const op = apply(mapGet, inv.ops, [d.op]);
          if (!op) continue;
          apply(mapDelete, inv.ops, [d.op]);
          if (d.ok) op.resolve(d.v);
          else op.reject(sandboxError(d.e.code || 'HOST_ERROR', d.e.name || 'Error', d.e.message || 'host operation failed'));
        }
      }
      const now = dateNow();
      for (const [tid, t] of inv.timers) {
        if (t.due > now) continue;
        quiet = false;
        if (t.repeat) t.due = now + t.delay; else apply(mapDelete, inv.timers, [tid]);
        try { apply(t.fn, undefined, t.args); } catch (e) { inv.settled = inv.settled || { ok: false, v: e }; }
      }
      return pending(inv, quiet);
    },

    /** Ends an execution that the host gave up on (wall time): drops its timers and state. */
    abandon(id) {
      const entry = apply(mapGet, invocations, [id]);
      if (!entry) return 'R0:null';
      apply(mapDelete, invocations, [id]);
      entry.inv.timers.clear();
      current = null;
      return envelope('R', entry.inv, 'null');
    },
  };
})
