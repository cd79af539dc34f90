/**
 * ctx.ivr(file, timeoutSec = 5, min = 1, max = 128, terminators = '#', {tries = 1, invalid_file,
 * regexp, transfer_on_failure}): plays a prompt and collects the caller's digits.
 *
 * Each try plays `file`, cut short by the first digit (barge-in: digits pressed during the prompt
 * count), then takes digits until `max` of them, a terminator (not part of the value), or
 * `timeoutSec` without a digit. The value is valid with min..max digits (and `regexp`, when given).
 * A failed try, when tries remain, plays `invalid_file` and starts again. Resolves with
 * {status: 'success' | 'timeout' | 'invalid' | 'hangup', value}: 'timeout' when the last try got no
 * digit, 'hangup' when the caller hung up meanwhile (this operation reports it instead of
 * rejecting with CallEnded, as the original's did; the next one rejects). On failure with
 * `transfer_on_failure`, the call is transferred there.
 */
import { audioPath } from '../audio.js';
import { CallEnded } from '../errors.js';
import type { DigitQueue } from '../digits.js';
import { checkRegExp, testRegExp } from '../regexp.js';
import { dtmf, num, optionalStr, str, type OpContext, type Operation } from './operation.js';

interface IvrArgs {
  file?: string;
  timeoutSec: number;
  min: number;
  max: number;
  terminators: string;
  tries: number;
  invalid_file?: string;
  regexp?: string;
  transfer_on_failure?: string;
}
type IvrResult = { status: 'success' | 'timeout' | 'invalid' | 'hangup'; value: string };

const W = 'ctx.ivr(file, timeoutSec, min, max, terminators, options)';

export const ivr: Operation<IvrArgs> = {
  exclusive: true,
  needs: 'answered',
  parse: ([file, timeoutSec, min, max, terminators, options]) => {
    const o = (options !== null && typeof options === 'object' ? options : {}) as Record<string, unknown>;
    const a: IvrArgs = {
      file: optionalStr(file, `${W}: file`),
      timeoutSec: num(timeoutSec, `${W}: timeoutSec`, { min: 0.1, max: 300, dflt: 5 }),
      min: num(min, `${W}: min`, { min: 0, max: 128, int: true, dflt: 1 }),
      max: 0,
      terminators: terminators === undefined ? '#'
        : terminators === null || terminators === 'none' ? '' : dtmf(terminators, `${W}: terminators`, { allowEmpty: true, max: 16 }),
      tries: num(o.tries, `${W}: options.tries`, { min: 1, max: 10, int: true, dflt: 1 }),
      invalid_file: optionalStr(o.invalid_file, `${W}: options.invalid_file`),
      transfer_on_failure: optionalStr(o.transfer_on_failure, `${W}: options.transfer_on_failure`),
    };
    a.max = num(max, `${W}: max`, { min: Math.max(1, a.min), max: 128, int: true, dflt: 128 });
    if (a.file !== undefined) audioPath(a.file);
    if (a.invalid_file !== undefined) audioPath(a.invalid_file);
    const re = o.regexp as unknown;
    if (re !== undefined && re !== null && re !== '') {
      // ctx.js sends a RegExp as {regexp, flags}
      const source = typeof re === 'object' ? String((re as { regexp?: unknown }).regexp ?? '') : str(re, `${W}: options.regexp`, { max: 512 });
      const flags = typeof re === 'object' ? String((re as { flags?: unknown }).flags ?? '').replace(/[gy]/g, '') : '';
      checkRegExp(source, flags);
      a.regexp = `/${source}/${flags}`;
    }
    return a;
  },
  async run(call, a) {
    let result: IvrResult = { status: 'timeout', value: '' };
    for (let attempt = 1; attempt <= a.tries; attempt++) {
      const q = call.digits();
      let value = '';
      try {
        if (a.file) await prompt(call, a.file, q);
        value = await collect(q, a, (v) => (value = v));
      } catch (err) {
        if (err instanceof CallEnded) return { status: 'hangup', value };
        throw err;
      } finally {
        q.close();
      }
      if (valid(call, a, value)) return { status: 'success', value };
      result = { status: value === '' ? 'timeout' : 'invalid', value };
      if (attempt < a.tries && a.invalid_file) {
        try {
          await prompt(call, a.invalid_file, null);
        } catch (err) {
          if (err instanceof CallEnded) return { status: 'hangup', value };
          throw err;
        }
      }
    }
    if (a.transfer_on_failure && call.state === 'answered') {
      const r = await call.guard(call.backend.transfer(a.transfer_on_failure, call.signal)).catch(() => null);
      if (r?.status === 'accepted') void call.end('transfer', `ctx.ivr() failed: transferred to ${a.transfer_on_failure}`, 'none');
    }
    return result;
  },
};

/** Plays a prompt, cut short by the caller's first digit when `q` is given (barge-in). */
async function prompt(call: OpContext, file: string, q: DigitQueue | null): Promise<void> {
  if (q && q.size > 0) return; // a digit came already: no prompt
  const entry = call.event('prompt', { file });
  const stop = new AbortController();
  const off = q ? q.onDigit(() => stop.abort()) : () => {};
  try {
    const r = await call.guard(call.backend.play(file, AbortSignal.any([call.signal, stop.signal])));
    if (entry) {
      entry.ms = r.ms;
      if (stop.signal.aborted) entry.bargeIn = true;
    }
  } finally {
    off();
  }
}

/** Digits up to `max`, a terminator, or the timeout; `progress` sees the value as it grows. */
async function collect(q: DigitQueue, a: IvrArgs, progress: (v: string) => void): Promise<string> {
  let value = '';
  while (value.length < a.max) {
    const d = await q.next(a.timeoutSec * 1000);
    if (d === null || a.terminators.includes(d)) break;
    value += d;
    progress(value);
  }
  return value;
}

function valid(call: OpContext, a: IvrArgs, value: string): boolean {
  if (value.length < a.min || value.length > a.max) return false;
  if (a.regexp === undefined) return true;
  const end = a.regexp.lastIndexOf('/');
  const ok = testRegExp(a.regexp.slice(1, end), a.regexp.slice(end + 1), value);
  if (ok === 'timeout') call.event('regexp-timeout', { regexp: a.regexp, value });
  return ok === true;
}
