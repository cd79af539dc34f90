/**
 * ctx.bridge(destination, continueOn = true): calls the destination and connects the caller to it;
 * resolves with the B-leg's result {status, sipCode, durationMs} when it ends or fails. Whether the
 * script goes on with the call afterwards: `continueOn` true (always), false (never: the call ends),
 * 'fail' (only when the B-leg failed), 'completed' (only when it was answered). When it does not,
 * the result still comes back and the call is over: later operations reject with CallEnded.
 */
import { str, shown, type Operation } from './operation.js';

type ContinueOn = boolean | 'fail' | 'completed';

export const bridge: Operation<{ destination: string; continueOn: ContinueOn }> = {
  exclusive: true,
  needs: 'answered',
  parse: ([destination, continueOn]) => {
    const c = continueOn === undefined ? true : continueOn;
    if (c !== true && c !== false && c !== 'fail' && c !== 'completed') {
      throw new TypeError(`ctx.bridge(destination, continueOn): continueOn must be true, false, 'fail' or 'completed', not ${shown(c)}`);
    }
    return {
      destination: str(destination, 'ctx.bridge(destination): destination', { max: 256, pattern: /^[^\s<>"]+$/, hint: 'must be a number or SIP URI without spaces' }),
      continueOn: c,
    };
  },
  async run(call, a) {
    const r = await call.guard(call.backend.bridge(a.destination, call.signal));
    const completed = r.status === 'completed';
    const goOn = a.continueOn === true || (a.continueOn === 'fail' && !completed) || (a.continueOn === 'completed' && completed);
    if (!goOn) void call.end('bridge', `ctx.bridge('${a.destination}') ${completed ? 'completed' : `failed (${r.status})`} and continueOn is ${shown(a.continueOn).replace(/"/g, "'")}`);
    return r;
  },
};
