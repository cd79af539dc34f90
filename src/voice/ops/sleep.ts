/** ctx.sleep(ms): waits on the call's clock (simulated time on the simulator, unlike setTimeout). */
import { num, type Operation } from './operation.js';

export const sleep: Operation<{ ms: number }> = {
  exclusive: true,
  parse: ([ms]) => ({ ms: num(ms, 'ctx.sleep(ms): ms', { min: 0, max: 24 * 3_600_000 }) }),
  async run(call, a) {
    await call.sleep(a.ms);
    return null;
  },
};
