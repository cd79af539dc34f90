/** ctx.reject(sipCode, reason): refuses the call before it is answered (486 Busy Here, 603 Decline...). */
import { num, optionalStr, type Operation } from './operation.js';

const REASONS: Record<number, string> = {
  403: 'Forbidden', 404: 'Not Found', 480: 'Temporarily Unavailable', 486: 'Busy Here', 487: 'Request Terminated',
  488: 'Not Acceptable Here', 500: 'Server Internal Error', 503: 'Service Unavailable', 600: 'Busy Everywhere',
  603: 'Decline', 604: 'Does Not Exist Anywhere',
};

export const reject: Operation<{ sipCode: number; reason: string }> = {
  exclusive: true,
  needs: 'ringing',
  parse: ([sipCode, reason]) => {
    const code = num(sipCode, 'ctx.reject(sipCode, reason): sipCode', { min: 400, max: 699, int: true });
    return { sipCode: code, reason: optionalStr(reason, 'ctx.reject(sipCode, reason): reason', { max: 128 }) ?? REASONS[code] ?? 'Rejected' };
  },
  async run(call, a) {
    await call.end('script', `ctx.reject(${a.sipCode})`, { sipCode: a.sipCode, reason: a.reason });
    return null;
  },
};
