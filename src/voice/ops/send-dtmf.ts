/** ctx.sendDtmf(digits): sends digits to the caller (RFC 4733 telephone-events); resolves once sent. */
import { dtmf, type Operation } from './operation.js';

export const sendDtmf: Operation<{ digits: string }> = {
  exclusive: true,
  needs: 'answered',
  parse: ([digits]) => ({ digits: dtmf(digits, 'ctx.sendDtmf(digits): digits') }),
  async run(call, a) {
    await call.guard(call.backend.sendDtmf(a.digits, call.signal));
    return null;
  },
};
