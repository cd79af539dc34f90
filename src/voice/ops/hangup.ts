/** ctx.hangup(): ends the call from the script's side. */
import type { Operation } from './operation.js';

export const hangup: Operation<Record<string, never>> = {
  exclusive: true,
  parse: () => ({}),
  async run(call) {
    await call.end('script', 'ctx.hangup()');
    return null;
  },
};
