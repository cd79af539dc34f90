/** ctx.blockDtmf(digits = '0123456789'): those digits of the caller no longer reach a bridged B-leg. */
import { dtmf, type Operation } from './operation.js';

export const blockDtmf: Operation<{ digits: string }> = {
  exclusive: false,
  afterEnd: 'run',
  parse: ([digits]) => ({ digits: digits === undefined ? '0123456789' : dtmf(digits, 'ctx.blockDtmf(digits): digits', { allowEmpty: true }) }),
  async run(call, a) {
    if (call.state !== 'ended') call.backend.blockDtmf(a.digits);
    return null;
  },
};
