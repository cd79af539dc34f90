/**
 * ctx.transfer(target): asks the caller's side to call `target` instead (SIP REFER). Accepted, the
 * call leaves us (later operations reject with CallEnded); failed, it goes on. Resolves with {status, sipCode}.
 */
import { str, type Operation } from './operation.js';

export const transfer: Operation<{ target: string }> = {
  exclusive: true,
  needs: 'answered',
  parse: ([target]) => ({ target: str(target, 'ctx.transfer(target): target', { max: 256, pattern: /^[^\s<>"]+$/, hint: 'must be a number or SIP URI without spaces' }) }),
  async run(call, a) {
    const r = await call.guard(call.backend.transfer(a.target, call.signal));
    if (r.status === 'accepted') void call.end('transfer', `transferred to ${a.target}`, 'none');
    return r;
  },
};
