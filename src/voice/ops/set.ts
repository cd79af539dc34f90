/** ctx.set(key, value): sets a channel variable (`sip_h_NAME` is a SIP header). ctx.js answers ctx.get() itself. */
import { str, type Operation } from './operation.js';

export const set: Operation<{ key: string; value: string }> = {
  exclusive: false,
  afterEnd: 'run',
  parse: ([key, value]) => ({
    key: str(key, 'ctx.set(key, value): key', { max: 256 }),
    value: typeof value === 'string' ? value.slice(0, 4096) : String(value),
  }),
  async run(call, a) {
    if (call.state === 'ended') return null;
    if (a.key.startsWith('sip_h_')) call.backend.setHeader(a.key.slice(6), a.value);
    else call.backend.setVariable(a.key, a.value);
    return null;
  },
};
