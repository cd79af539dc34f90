/** ctx.log(text): a line on the call's timeline (ctx.js also puts it in the execution's log). */
import type { Operation } from './operation.js';

export const log: Operation<{ text: string }> = {
  exclusive: false,
  afterEnd: 'run',
  parse: ([text]) => ({ text: String(text ?? '') }),
  run: async () => null,
};
