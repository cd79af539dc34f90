/** ctx.record(name): starts recording the call (until it ends); resolves once recording has started. */
import { str, type Operation } from './operation.js';

export const record: Operation<{ name: string }> = {
  exclusive: true,
  needs: 'answered',
  parse: ([name]) => ({
    name: str(name, 'ctx.record(name): name', { max: 128, pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/, hint: 'may hold letters, digits, dot, dash and underscore only' }),
  }),
  async run(call, a) {
    await call.guard(call.backend.record(a.name));
    return { name: a.name };
  },
};
