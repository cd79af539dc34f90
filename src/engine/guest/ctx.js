// @ts-check
// Runs INSIDE the isolate: the `ctx` of a Class 5 voice execution, `main(data, ctx)` (PRODUCT.md
// §6.2). The prelude makes one for each voice invocation. Every call operation is a host operation
// of the pseudo-module 'ctx' (JSON arguments in, `{v, vars?}` out), answered by the call session in
// src/voice; nothing here ever holds a host object. The ctx object, its methods and its state are
// made anew for each call: nothing of one call is reachable from another.
//
// The lockstep rules are enforced here, where the mistake is made, so that errors point at the
// customer's own line: one operation at a time (waitFor excepted: several may wait at once), and a
// warning in the log when main() settles with an operation still running (the host then ends the
// call). Channel variables and headers are kept here too, so that ctx.get() and ctx.header(name)
// answer synchronously, as customer code expects: `const caller = ctx.get('sip_from_user')`.
//
// DTMF for ctx.on('dtmf') and ctx.waitFor() comes through one long-poll host operation
// ('__events'), kept pending only while someone listens. waitFor matches here (its match may be a
// RegExp or a function: customer code never runs on the host); the host only times it out.
/* eslint-disable */
(function voiceRuntime(sandbox) {
  'use strict';
  const { hostCall, log, format } = sandbox;
  const { stringify } = JSON;
  const { apply } = Reflect;
  const { keys: objectKeys, create } = Object;
  const ErrorCtor = Error;
  const TypeErrorCtor = TypeError;
  const StringCtor = String;
  const RegExpCtor = RegExp;
  const isArray = Array.isArray;
  const promiseThen = Promise.prototype.then;
  const MapCtor = Map;
  const mapGet = Map.prototype.get, mapSet = Map.prototype.set, mapDelete = Map.prototype.delete, mapValues = Map.prototype.values;
  const regexpExec = RegExp.prototype.exec;
  const strSlice = String.prototype.slice;
  const strIndexOf = String.prototype.indexOf;
  const strLower = String.prototype.toLowerCase;
  const strEndsWith = String.prototype.endsWith;
  const strStartsWith = String.prototype.startsWith;

  const then = (p, ok, fail) => apply(promiseThen, p, [ok, fail]);
  const noop = () => {};
  const lower = (s) => apply(strLower, s, []);

  function named(name, message, Ctor) {
    const e = new (Ctor || ErrorCtor)(message);
    e.name = name;
    return e;
  }

  /** An argument as the customer wrote it, for messages: ctx.play('ivr/menu.wav'). */
  function show(v) {
    switch (typeof v) {
      case 'string': {
        const s = v.length > 40 ? apply(strSlice, v, [0, 37]) + '…' : v;
        const json = stringify(s);
        return "'" + apply(strSlice, json, [1, -1]) + "'";
      }
      case 'number': case 'boolean': case 'bigint': return StringCtor(v);
      case 'undefined': return 'undefined';
      case 'function': return 'function';
      case 'symbol': return 'Symbol()';
    }
    if (v === null) return 'null';
    if (v instanceof RegExpCtor) return '/' + StringCtor(v.source) + '/' + StringCtor(v.flags);
    return isArray(v) ? '[…]' : '{…}';
  }
  function callText(name, args) {
    let s = '';
    for (let i = 0; i < args.length; i++) s += (i ? ', ' : '') + show(args[i]);
    return 'ctx.' + name + '(' + s + ')';
  }

  /** A value as plain JSON data for the host: what JSON.stringify cannot take (or a getter hides) is dropped. */
  function plain(v, depth) {
    switch (typeof v) {
      case 'string': case 'boolean': return v;
      case 'number': return v === v && v !== Infinity && v !== -Infinity ? v : null;
      case 'undefined': return null;
      case 'object': break;
      default: return null;
    }
    if (v === null) return null;
    if (v instanceof RegExpCtor) return { regexp: StringCtor(v.source), flags: StringCtor(v.flags) };
    if (depth > 2) return null;
    if (isArray(v)) {
      const out = [];
      for (let i = 0; i < v.length && i < 64; i++) out[i] = plain(v[i], depth + 1);
      return out;
    }
    const out = create(null);
    const ks = objectKeys(v);
    for (let i = 0; i < ks.length && i < 64; i++) out[ks[i]] = plain(v[ks[i]], depth + 1);
    return out;
  }
  function plainArgs(args) {
    const out = [];
    for (let i = 0; i < args.length; i++) out[i] = plain(args[i], 0);
    return out;
  }

  /**
   * Makes the ctx of one call. `call`: {callId, variables, headers} (header names lower-case).
   * Returns {ctx, settled(ok)}: the prelude calls settled() when main's promise settles.
   */
  return function makeCall(call) {
    const vars = create(null);
    const headers = create(null);
    const copy = (from, to, key) => {
      if (from === null || typeof from !== 'object') return;
      for (const k of objectKeys(from)) to[key(k)] = StringCtor(from[k]);
    };
    copy(call && call.variables, vars, (k) => k);
    copy(call && call.headers, headers, lower);

    /** The operation running now (its text, for messages), or null. */
    let running = null;
    let runningName = '';
    /** Set once the call has ended (the host's hangup event reached us). */
    let over = false;
    const listeners = { dtmf: [], hangup: [] };
    const waits = new MapCtor();
    let waitSeq = 0;
    let pumping = false;

    /** The host's answer: `{v, vars?}`; channel variables the call changed come along. */
    function value(r) {
      if (r === null || typeof r !== 'object') return undefined;
      if (r.vars !== null && typeof r.vars === 'object') copy(r.vars, vars, (k) => k);
      return r.v === null ? undefined : r.v;
    }

    /** The host's errors carry no frame of the customer's: give them the stack of the ctx call that failed. */
    function atSite(e, site) {
      try {
        const s = site.stack;
        const nl = typeof s === 'string' ? apply(strIndexOf, s, ['\n']) : -1;
        if (nl !== -1) e.stack = StringCtor(e.name) + ': ' + StringCtor(e.message) + apply(strSlice, s, [nl]);
      } catch (x) { /* the error as it is */ }
      return e;
    }

    /** A call operation: one at a time; resolves when the call has finished it. */
    function op(name, args) {
      const text = callText(name, args);
      if (running !== null) {
        throw named('LockstepError', text + ' was called while ' + running + ' is still running: add `await` before ctx.' +
          runningName + '(...) (a call does one operation at a time, each finishing before the next starts)');
      }
      const site = new ErrorCtor();
      running = text;
      runningName = name;
      const done = () => { if (running === text) { running = null; runningName = ''; } };
      return then(hostCall('ctx', name, plainArgs(args)),
        (r) => { done(); return value(r); },
        (e) => { done(); throw atSite(e, site); });
    }

    /** An operation that may overlap the others (a setting): its promise settles at once. */
    function side(name, args) {
      const site = new ErrorCtor();
      return then(hostCall('ctx', name, plainArgs(args)), value, (e) => { throw atSite(e, site); });
    }
    function notify(name, args) {
      then(hostCall('ctx', name, args), noop, noop);
    }

    // --- events: ctx.on('dtmf' | 'hangup') and the digits that waitFor matches ---------------------
    function wanted() {
      return listeners.dtmf.length > 0 || listeners.hangup.length > 0 || waits.size > 0;
    }
    function pump() {
      if (pumping || over || !wanted()) return;
      pumping = true;
      then(hostCall('ctx', '__events', []), (r) => {
        pumping = false;
        const list = value(r);
        if (isArray(list)) for (let i = 0; i < list.length; i++) dispatch(list[i]);
        pump();
      }, () => { pumping = false; });
    }
    function emit(type, args) {
      const all = listeners[type];
      const fns = [];
      for (let i = 0; i < all.length; i++) fns[i] = all[i];
      for (let i = 0; i < fns.length; i++) {
        try {
          const r = apply(fns[i], undefined, args);
          if (r !== null && typeof r === 'object' && typeof r.then === 'function') {
            then(r, noop, (e) => log('error', ["ctx.on('" + type + "') handler failed:", e]));
          }
        } catch (e) {
          log('error', ["ctx.on('" + type + "') handler threw:", e]);
        }
      }
    }
    function dispatch(ev) {
      if (ev === null || typeof ev !== 'object') return;
      if (ev.type === 'dtmf') {
        const digit = StringCtor(ev.digit);
        // Only the waitFors the host had when the digit came: a digit pressed before one started is not its.
        const ids = ev.for;
        if (isArray(ids)) {
          for (let i = 0; i < ids.length; i++) {
            const w = apply(mapGet, waits, [ids[i]]);
            if (w) feed(w, digit);
          }
        }
        emit('dtmf', [digit]);
      } else if (ev.type === 'hangup') {
        over = true;
        emit('hangup', [{ by: StringCtor(ev.by), reason: StringCtor(ev.reason) }]);
      }
    }

    // --- waitFor ------------------------------------------------------------------------------------
    function matcher(m, what) {
      if (typeof m === 'function' || m instanceof RegExpCtor) return m;
      if (typeof m === 'string' && m.length > 0) {
        for (let i = 0; i < m.length; i++) {
          if (apply(strIndexOf, '0123456789*#ABCD', [m[i]]) === -1) break;
          if (i === m.length - 1) return m;
        }
      }
      throw named('TypeError', 'ctx.waitFor(): ' + what + ' must be a string of DTMF digits (0-9, *, #, A-D), a RegExp or a function, not ' + show(m), TypeErrorCtor);
    }
    function matches(m, digits, digit) {
      if (typeof m === 'string') return apply(strEndsWith, digits, [m]);
      if (typeof m === 'function') return !!m(digits, digit);
      m.lastIndex = 0;
      return apply(regexpExec, m, [digits]) !== null;
    }
    function feed(w, digit) {
      if (w.verdict !== null) return;
      w.digits += digit;
      try {
        if (matches(w.match, w.digits, digit)) w.verdict = 'match';
        else if (w.fail !== null && matches(w.fail, w.digits, digit)) w.verdict = 'fail';
      } catch (e) {
        w.error = e;
        w.verdict = 'error';
      }
      if (w.verdict !== null) notify('__waitDone', [w.id, w.verdict, w.digits]);
    }
    function waitFor(match, failMatch, timeoutSec) {
      const m = matcher(match, 'match');
      const f = failMatch === undefined || failMatch === null ? null : matcher(failMatch, 'failMatch');
      const text = callText('waitFor', arguments);
      const w = { id: ++waitSeq, match: m, fail: f, digits: '', verdict: null, error: null, text };
      apply(mapSet, waits, [w.id, w]);
      const site = new ErrorCtor();
      const p = hostCall('ctx', 'waitFor', [w.id, show(m), f === null ? null : show(f), timeoutSec === undefined ? 60 : plain(timeoutSec, 0)]);
      pump();
      return then(p, (r) => {
        apply(mapDelete, waits, [w.id]);
        const out = value(r) || {};
        const digits = StringCtor(out.digits === undefined ? w.digits : out.digits);
        if (out.status === 'match') return digits;
        if (out.status === 'error') throw w.error;
        const e = out.status === 'fail'
          ? named('WaitForFailed', text + ': the digits ' + show(digits) + ' matched failMatch')
          : named('WaitForTimeout', text + ' timed out after ' + StringCtor(out.seconds) + ' s' + (digits ? ' (digits pressed: ' + show(digits) + ')' : ' (no digit pressed)'));
        e.digits = digits;
        throw atSite(e, site);
      }, (e) => {
        apply(mapDelete, waits, [w.id]);
        throw atSite(e, site);
      });
    }

    // --- the ctx object -------------------------------------------------------------------------------
    const ctx = {
      answer() { return op('answer', []); },
      hangup() { return op('hangup', []); },
      play(file) { return op('play', [file]); },
      tts(text, opts) { return op('tts', opts === undefined ? [text] : [text, opts]); },
      echo(delayMs) { return op('echo', delayMs === undefined ? [] : [delayMs]); },
      /** ivr(file, timeoutSec, min, max, terminators, {tries, invalid_file, regexp, transfer_on_failure}) */
      ivr() { return op('ivr', arguments); },
      waitFor,
      blockDtmf(digits) { return side('blockDtmf', digits === undefined ? [] : [digits]); },
      bridge(destination, continueOn) { return op('bridge', continueOn === undefined ? [destination] : [destination, continueOn]); },
      record(name) { return op('record', [name]); },
      waitForHangup() { return op('waitForHangup', []); },
      sleep(ms) { return op('sleep', [ms]); },
      sendDtmf(digits) { return op('sendDtmf', [digits]); },
      transfer(target) { return op('transfer', [target]); },
      reject(sipCode, reason) { return op('reject', reason === undefined ? [sipCode] : [sipCode, reason]); },

      /** A channel variable (sip_from_user, sip_h_X-Customer-ID...), or null. Synchronous. */
      get(key) {
        const k = StringCtor(key);
        if (apply(strStartsWith, k, ['sip_h_'])) {
          const h = headers[lower(apply(strSlice, k, [6]))];
          if (h !== undefined) return h;
        }
        const v = vars[k];
        return v === undefined ? null : v;
      },
      /** Sets a channel variable (sip_h_NAME: a SIP header); returns the value. */
      set(key, value) {
        const k = StringCtor(key);
        const v = StringCtor(value);
        vars[k] = v;
        if (apply(strStartsWith, k, ['sip_h_'])) headers[lower(apply(strSlice, k, [6]))] = v;
        notify('set', [k, v]);
        return v;
      },
      /** header(name): the SIP header's value or null; header(name, value): sets it. */
      header(name, value) {
        const k = lower(StringCtor(name));
        if (arguments.length < 2) {
          const h = headers[k];
          return h === undefined ? null : h;
        }
        const v = StringCtor(value);
        headers[k] = v;
        notify('header', [StringCtor(name), v]);
        return v;
      },
      /** A log line tied to the call: in the execution's log and on the call's timeline. */
      log() {
        const text = format(arguments);
        log('log', [text]);
        notify('log', [text]);
      },
      on(event, fn) {
        if (event !== 'dtmf' && event !== 'hangup') {
          throw named('TypeError', "ctx.on(event, fn): event must be 'dtmf' or 'hangup', not " + show(event), TypeErrorCtor);
        }
        if (typeof fn !== 'function') throw named('TypeError', "ctx.on('" + event + "', fn): fn must be a function", TypeErrorCtor);
        const list = listeners[event];
        list[list.length] = fn;
        pump();
        return ctx;
      },
    };

    function settled(ok) {
      let what = '';
      if (running !== null) what = running + ' was still running';
      for (const w of apply(mapValues, waits, [])) {
        if (w.verdict === null) what += (what ? ', and ' : '') + w.text + ' was still waiting';
      }
      if (what === '') return;
      log('warn', ['main() ' + (ok ? 'returned' : 'ended with an error') + ' while ' + what + ': the call was ended' +
        (running !== null ? ' (add `await` before ctx.' + runningName + '(...) to wait for it)' : '')]);
    }

    return { ctx, settled };
  };
})
