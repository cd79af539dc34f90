/** ctx.header(name, value): sets a SIP header for the messages still to come. (Reading one is ctx.js's.) */
import { str, type Operation } from './operation.js';

export const header: Operation<{ name: string; value: string }> = {
  exclusive: false,
  afterEnd: 'run',
  parse: ([name, value]) => ({
    name: str(name, 'ctx.header(name, value): name', { max: 128, pattern: /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, hint: 'is not a SIP header name' }),
    value: str(String(value ?? ''), 'ctx.header(name, value): value', { max: 4096, pattern: /^[^\r\n]*$/, hint: 'may not hold line breaks' }),
  }),
  async run(call, a) {
    if (call.state !== 'ended') call.backend.setHeader(a.name, a.value);
    return null;
  },
};
