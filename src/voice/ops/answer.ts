/** ctx.answer(): answers the call (a second answer changes nothing). */
import type { Operation } from './operation.js';

export const answer: Operation<Record<string, never>> = {
  exclusive: true,
  parse: () => ({}),
  async run(call) {
    if (call.state === 'answered') return null;
    await call.guard(call.backend.answer());
    call.answered();
    return null;
  },
};
