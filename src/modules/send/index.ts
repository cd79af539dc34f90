/**
 * cxSend: email over the operator's SMTP server and SMS through the operator's HTTP gateway
 * (PRODUCT.md §5). Customers choose recipients and content; the From, the servers and the rate per
 * account are operator configuration (config.ts). Errors the script sees: SendError (bad input,
 * naming the field), SendNotConfiguredError, RateLimitError and SendFailedError (with the server's
 * answer).
 *
 * @example
 *   const { email, sms } = require('cxSend');
 *   const sent = await email({ to: 'ops@example.com', subject: 'Fraud block', text: 'Blocked ' + d.cli, replyTo: 'noc@example.com' });
 *   // sent: { messageId, accepted: ['ops@example.com'], rejected: [] }
 *   await sms('+447700900123', 'Your code is 4711'); // { id, status }
 */
import { RateLimiter } from '../fetch/index.js';
import { ModuleError, type ModuleHost } from '../host.js';
import { SEND_LIMITS, type SendConfig } from './config.js';
import { checkEmail, deliverEmail } from './email.js';
import { checkSms, deliverSms } from './sms.js';

export { SEND_LIMITS, sendConfigFromEnv, type SendConfig } from './config.js';
export { closeSendTransports, type EmailResult } from './email.js';
export type { SmsResult } from './sms.js';

/** The guest side: runs inside the sandbox; `host(method, args)` reaches the handler below. */
export const sendGuest = `
exports.email = (message) => host('email', [message]);
exports.sms = (number, text) => host('sms', [number, text]);
`;

/** The process's send buckets (keys 'email:<account>' and 'sms:<account>'), used unless a host is given its own. */
export const sendRateLimits = new RateLimiter();

export interface SendHostOptions {
  accountId: string;
  config: SendConfig;
  limiter?: RateLimiter;
  /** Milliseconds, for the rate limiter (default performance.now). */
  now?: () => number;
}

export function sendHost(o: SendHostOptions): ModuleHost {
  const limiter = o.limiter ?? sendRateLimits;
  const now = o.now ?? (() => performance.now());
  const { config } = o;

  function admit(kind: 'email' | 'sms', perMinute: number, what: string): void {
    // A minute's worth may go at once; after that, one more each 60/perMinute seconds.
    if (!limiter.take(`${kind}:${o.accountId}`, perMinute / 60, perMinute, now())) {
      throw new ModuleError('RateLimitError', `${kind}: this account may send at most ${perMinute} ${what} a minute; try again shortly`);
    }
  }

  return {
    async email([message]) {
      if (!config.smtp) throw new ModuleError('SendNotConfiguredError', 'email: this server has no mail server configured (the operator sets SCRIPTFORGE_SMTP_URL)');
      const m = checkEmail(message);
      admit('email', config.emailsPerMinute ?? SEND_LIMITS.emailsPerMinute, 'emails');
      return deliverEmail(config.smtp, m);
    },
    async sms([number, text]) {
      if (!config.sms) throw new ModuleError('SendNotConfiguredError', 'sms: this server has no SMS gateway configured (the operator sets SCRIPTFORGE_SMS_URL)');
      const m = checkSms(number, text);
      admit('sms', config.smsPerMinute ?? SEND_LIMITS.smsPerMinute, 'text messages');
      return deliverSms(config.sms, o.accountId, m);
    },
  };
}
