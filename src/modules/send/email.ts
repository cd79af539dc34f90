/**
 * cxSend's `email`: checks the guest's (untrusted) message and sends it through the operator's SMTP
 * server with nodemailer. The From is the operator's; the customer chooses the rest.
 */
import nodemailer, { type SMTPPoolSentMessageInfo, type Transporter } from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import { ModuleError } from '../host.js';
import { SEND_LIMITS, type SendConfig } from './config.js';

type Smtp = NonNullable<SendConfig['smtp']>;
interface Mailbox {
  name: string;
  address: string;
}

/** A message that passed the checks, ready for nodemailer. */
export interface EmailMessage {
  to: Mailbox[];
  cc: Mailbox[];
  bcc: Mailbox[];
  replyTo?: Mailbox;
  subject: string;
  text?: string;
  html?: string;
}

export interface EmailResult {
  messageId: string;
  accepted: string[];
  rejected: string[];
}

const FIELDS = ['to', 'subject', 'text', 'html', 'cc', 'bcc', 'replyTo'];
const LINE_BREAK = /[\r\n\0\u2028\u2029]/;
const LOCAL = /^[^\s@<>()[\]\\,;:"]{1,64}$/;
const DOMAIN = /^(?=.{1,253}$)[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?)+$/u;

const sendError = (m: string) => new ModuleError('SendError', `email: ${m}`);
const show = (v: string) => JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}...` : v);

function isAddress(a: string): boolean {
  const at = a.lastIndexOf('@');
  return a.length <= SEND_LIMITS.addressChars && at > 0 && LOCAL.test(a.slice(0, at)) && DOMAIN.test(a.slice(at + 1));
}

/** One address field: a string (which may list several, comma-separated) or an array of strings. */
function mailboxes(field: string, v: unknown): Mailbox[] {
  if (v === undefined || v === null) return [];
  const list: unknown[] = Array.isArray(v) ? v : [v];
  const out: Mailbox[] = [];
  for (const item of list) {
    if (typeof item !== 'string') throw sendError(`'${field}' must be an email address or a list of them, not ${typeof item === 'object' ? 'an object' : typeof item}`);
    if (LINE_BREAK.test(item)) throw sendError(`'${field}' contains a line break`);
    if (item.length > SEND_LIMITS.recipients * (SEND_LIMITS.addressChars + 2)) throw sendError(`'${field}' is longer than ${SEND_LIMITS.recipients} addresses could be`);
    const parsed = addressparser(item);
    if (parsed.length === 0) throw sendError(`'${field}' has ${show(item)}, which is not an email address`);
    for (const p of parsed) {
      if (p.group) throw sendError(`'${field}' has the group ${show(item)}: list the addresses instead`);
      if (!isAddress(p.address)) throw sendError(`'${field}' has ${show(p.address || item)}, which is not an email address`);
      out.push({ name: p.name, address: p.address });
    }
    if (out.length > SEND_LIMITS.recipients) break;
  }
  return out;
}

function body(field: string, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw sendError(`'${field}' must be a string, not ${typeof v}`);
  return v;
}

/** Checks the guest's message; throws SendError naming the field at fault. */
export function checkEmail(m: unknown): EmailMessage {
  if (m === null || typeof m !== 'object' || Array.isArray(m)) {
    throw sendError('expects a message object, such as { to, subject, text }');
  }
  const o = m as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k === 'from') throw sendError("'from' cannot be set: mail is sent from the operator's address (set replyTo to receive the answers)");
    if (!FIELDS.includes(k)) throw sendError(`'${k}' is not a field of a message (the fields are ${FIELDS.join(', ')})`);
  }
  const to = mailboxes('to', o.to);
  if (to.length === 0) throw sendError("'to' is required: an email address or a list of them");
  const cc = mailboxes('cc', o.cc);
  const bcc = mailboxes('bcc', o.bcc);
  const count = to.length + cc.length + bcc.length;
  if (count > SEND_LIMITS.recipients) throw sendError(`at most ${SEND_LIMITS.recipients} recipients (to, cc and bcc together) per message`);
  const replyTo = mailboxes('replyTo', o.replyTo);
  if (replyTo.length > 1) throw sendError("'replyTo' must be a single address");

  if (o.subject === undefined || o.subject === null || o.subject === '') throw sendError("'subject' is required");
  if (typeof o.subject !== 'string') throw sendError(`'subject' must be a string, not ${typeof o.subject}`);
  if (LINE_BREAK.test(o.subject)) throw sendError("'subject' contains a line break");
  if (o.subject.length > SEND_LIMITS.subjectChars) throw sendError(`'subject' is ${o.subject.length} characters; the limit is ${SEND_LIMITS.subjectChars}`);

  const text = body('text', o.text);
  const html = body('html', o.html);
  if (!text && !html) throw sendError("'text' or 'html' is required");
  const bytes = Buffer.byteLength(text ?? '') + Buffer.byteLength(html ?? '');
  if (bytes > SEND_LIMITS.bodyBytes) throw sendError(`the body (text and html together) is ${bytes} bytes; the limit is ${SEND_LIMITS.bodyBytes}`);

  return { to, cc, bcc, replyTo: replyTo[0], subject: o.subject, text, html };
}

// One pooled transport per SMTP server, shared by every execution in this process.
const transports = new Map<string, Transporter<SMTPPoolSentMessageInfo>>();

function transport(url: string): Transporter<SMTPPoolSentMessageInfo> {
  let t = transports.get(url);
  if (!t) {
    t = nodemailer.createTransport({
      url,
      pool: true,
      maxConnections: 5,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
      idleTimeout: 30_000,
      // Customer content is never a file path or a URL to fetch.
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    // Failures reach the send that met them; an 'error' event with no listener would end the process.
    t.on('error', () => {});
    transports.set(url, t);
  }
  return t;
}

/** Closes the pooled SMTP connections (at shutdown); later sends open new ones. */
export function closeSendTransports(): void {
  for (const t of transports.values()) t.close();
  transports.clear();
}

const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.map((a) => (typeof a === 'string' ? a : String((a as { address?: unknown }).address ?? a))) : [];

/** Sends a checked message; a refusal or failure is a SendFailedError with the server's answer. */
export async function deliverEmail(smtp: Smtp, m: EmailMessage): Promise<EmailResult> {
  const timeoutMs = smtp.timeoutMs ?? SEND_LIMITS.smtpTimeoutMs;
  try {
    const info = (await transport(smtp.url).sendMail({
      from: smtp.from,
      to: m.to,
      cc: m.cc.length ? m.cc : undefined,
      bcc: m.bcc.length ? m.bcc : undefined,
      replyTo: m.replyTo,
      subject: m.subject,
      text: m.text,
      html: m.html,
      signal: AbortSignal.timeout(timeoutMs),
    })) as { messageId?: unknown; accepted?: unknown; rejected?: unknown };
    return { messageId: String(info.messageId ?? ''), accepted: list(info.accepted), rejected: list(info.rejected) };
  } catch (err) {
    throw failure(err, timeoutMs);
  }
}

function failure(err: unknown, timeoutMs: number): ModuleError {
  const e = err as { code?: unknown; response?: unknown; name?: unknown };
  const fail = (m: string) => new ModuleError('SendFailedError', `email: ${m}`);
  if (e.code === 'EABORT' || e.name === 'TimeoutError' || e.name === 'AbortError') return fail(`the mail server did not take the message within ${timeoutMs} ms`);
  // The server's own words, but never the URL (it may hold the operator's password).
  if (typeof e.response === 'string' && e.response.trim()) {
    const said = e.response.replace(/[\r\n]+/g, ' ').trim().slice(0, 500);
    return fail(`the mail server refused the message: ${said}`);
  }
  return fail(`could not reach the mail server${typeof e.code === 'string' ? ` (${e.code})` : ''}`);
}
