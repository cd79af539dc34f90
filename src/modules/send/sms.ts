/**
 * cxSend's `sms`: checks the number and text, then POSTs them to the operator's HTTP gateway. The
 * gateway is operator infrastructure, so the customer egress policy does not apply to it, and the
 * customer never chooses or sees its URL or token.
 */
import { ModuleError } from '../host.js';
import { SEND_LIMITS, type SendConfig } from './config.js';

type Gateway = NonNullable<SendConfig['sms']>;

export interface SmsMessage {
  to: string;
  text: string;
}

export interface SmsResult {
  id?: string;
  status: string;
}

const sendError = (m: string) => new ModuleError('SendError', `sms: ${m}`);
const fail = (m: string) => new ModuleError('SendFailedError', `sms: ${m}`);
const ANSWER_BYTES = 64 * 1024;

/** Checks the guest's arguments; throws SendError naming the one at fault. */
export function checkSms(number: unknown, text: unknown): SmsMessage {
  // Arguments arrive as JSON: a missing one is null here.
  if (number === undefined || number === null) throw sendError('the number is required: sms(number, text)');
  if (typeof number !== 'string') throw sendError(`the number must be a string such as '+447700900123', not ${typeof number}`);
  if (!/^\+?[0-9]{6,15}$/.test(number)) {
    throw sendError(`the number must be 6 to 15 digits with an optional leading +, such as '+447700900123', not ${JSON.stringify(number.slice(0, 40))}`);
  }
  if (text === undefined || text === null || text === '') throw sendError('the text is required: sms(number, text)');
  if (typeof text !== 'string') throw sendError(`the text must be a string, not ${typeof text}`);
  if (text.length > SEND_LIMITS.smsChars) throw sendError(`the text is ${text.length} characters; the limit is ${SEND_LIMITS.smsChars}`);
  return { to: number, text };
}

/** Hands a checked message to the gateway; a non-2xx answer or no answer is a SendFailedError. */
export async function deliverSms(gateway: Gateway, accountId: string, m: SmsMessage): Promise<SmsResult> {
  const timeoutMs = gateway.timeoutMs ?? SEND_LIMITS.smsTimeoutMs;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'ScriptForge-send' };
  if (gateway.token) headers.authorization = `Bearer ${gateway.token}`;
  const payload = { to: m.to, text: m.text, ...(gateway.from ? { from: gateway.from } : {}), account: accountId };
  let status: number;
  let statusText: string;
  let answer: string;
  try {
    const res = await fetch(gateway.url, { method: 'POST', headers, body: JSON.stringify(payload), redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
    status = res.status;
    statusText = res.statusText;
    answer = (await res.text()).slice(0, ANSWER_BYTES);
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: unknown } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') throw fail(`the gateway did not answer within ${timeoutMs} ms`);
    // Never the URL or the token: only what went wrong.
    throw fail(`could not reach the gateway${typeof e.cause?.code === 'string' ? ` (${e.cause.code})` : ''}`);
  }
  if (status < 200 || status > 299) {
    const said = answer.replace(/\s+/g, ' ').trim().slice(0, 200);
    throw fail(`the gateway answered ${status}${statusText ? ` ${statusText}` : ''}${said ? `: ${said}` : ''}`);
  }
  let parsed: { id?: unknown; status?: unknown } = {};
  try {
    const v = JSON.parse(answer) as unknown;
    if (v !== null && typeof v === 'object') parsed = v as typeof parsed;
  } catch {
    // A gateway that answers 2xx with something other than JSON still took the message.
  }
  const id = typeof parsed.id === 'string' || typeof parsed.id === 'number' ? String(parsed.id).slice(0, 200) : undefined;
  const said = typeof parsed.status === 'string' && parsed.status ? parsed.status.slice(0, 100) : 'accepted';
  return id === undefined ? { status: said } : { id, status: said };
}
