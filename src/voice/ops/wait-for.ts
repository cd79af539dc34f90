/**
 * ctx.waitFor(match, failMatch?, timeoutSec = 60): waits for the caller's digits. ctx.js matches
 * them in the sandbox (match may be a RegExp or a function: customer code never runs on the host)
 * and reports with '__waitDone'; here the wait is registered, so that digits reach it, and timed
 * out on the call's clock. Several may be pending at once, beside any other operation.
 */
import { num, type Operation } from './operation.js';

interface WaitArgs {
  id: number;
  match: string;
  failMatch?: string;
  timeoutSec: number;
}

export const waitFor: Operation<WaitArgs> = {
  exclusive: false,
  parse: ([id, match, failMatch, timeoutSec]) => ({
    id: num(id, 'waitFor id', { min: 1, max: Number.MAX_SAFE_INTEGER, int: true }),
    match: String(match),
    failMatch: failMatch === null || failMatch === undefined ? undefined : String(failMatch),
    timeoutSec: num(timeoutSec, 'ctx.waitFor(match, failMatch, timeoutSec): timeoutSec', { min: 0.001, max: 86_400, dflt: 60 }),
  }),
  run(call, a) {
    if (call.waits.size >= 32) throw new RangeError('Too many ctx.waitFor() pending at once: at most 32');
    if (call.waits.has(a.id)) throw new Error(`waitFor ${a.id} is pending already`);
    call.feed.want();
    return call.guard(
      new Promise((resolve) => {
        const finish = (out: object | null) => {
          call.waits.delete(a.id);
          cancel();
          call.signal.removeEventListener('abort', ended);
          if (out) resolve(out);
        };
        const ended = () => finish(null); // guard() rejects it with CallEnded
        const cancel = call.backend.clock.after(a.timeoutSec * 1000, () => finish({ status: 'timeout', seconds: a.timeoutSec }));
        call.waits.set(a.id, { done: (status, digits) => finish({ status, digits }) });
        call.signal.addEventListener('abort', ended, { once: true });
      }),
    );
  },
};

/** ctx.js's report that a waitFor's digits matched (or failed, or its matcher threw). */
export const waitDone: Operation<{ id: number; status: 'match' | 'fail' | 'error'; digits: string }> = {
  exclusive: false,
  internal: true,
  afterEnd: 'run',
  parse: ([id, status, digits]) => {
    if (status !== 'match' && status !== 'fail' && status !== 'error') throw new TypeError('bad waitFor status');
    return { id: Number(id), status, digits: String(digits ?? '').slice(0, 1024) };
  },
  async run(call, a) {
    call.waits.get(a.id)?.done(a.status, a.digits);
    return null;
  },
};
