/** ctx.waitForHangup(): resolves when the call ends, whoever ends it. */
import type { Operation } from './operation.js';

export const waitForHangup: Operation<Record<string, never>> = {
  exclusive: true,
  parse: () => ({}),
  async run(call) {
    await call.whenEnded();
    return null;
  },
};
