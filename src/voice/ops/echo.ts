/** ctx.echo(delayMs = 0): the caller hears themselves, until the call ends (then it resolves). */
import { CallEnded } from '../errors.js';
import { num, type Operation } from './operation.js';

export const echo: Operation<{ delayMs: number }> = {
  exclusive: true,
  needs: 'answered',
  parse: ([delayMs]) => ({ delayMs: num(delayMs, 'ctx.echo(delayMs): delayMs', { min: 0, max: 10_000, dflt: 0 }) }),
  async run(call, a) {
    try {
      await call.guard(call.backend.echo(a.delayMs, call.signal));
    } catch (err) {
      if (!(err instanceof CallEnded)) throw err;
    }
    return null;
  },
};
