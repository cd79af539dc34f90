/**
 * cxSend's operator configuration: where mail and SMS go, and how much an account may send. Customers
 * never choose these; they are read once from the environment (or given by the embedding program).
 */
import addressparser from 'nodemailer/lib/addressparser';

export interface SendConfig {
  /** The operator's mail server: `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://...:465`. */
  smtp?: {
    url: string;
    /** Every message's From, such as `"ScriptForge" <noreply@example.com>`: customers cannot change it. */
    from: string;
    /** For one message, connection included (default 20 s: under an app's 30 s wall time). */
    timeoutMs?: number;
  };
  /** The operator's SMS gateway: receives POST `{ to, text, from?, account }` as JSON. */
  sms?: {
    url: string;
    /** Sent as `Authorization: Bearer <token>`. */
    token?: string;
    /** Sender id passed to the gateway. */
    from?: string;
    /** For the whole request (default 10 s). */
    timeoutMs?: number;
  };
  /** Per account (default 60). */
  emailsPerMinute?: number;
  /** Per account (default 60). */
  smsPerMinute?: number;
}

export const SEND_LIMITS = {
  /** to, cc and bcc together. */
  recipients: 50,
  /** text and html together, in UTF-8 bytes. */
  bodyBytes: 1024 * 1024,
  subjectChars: 998,
  addressChars: 254,
  smsChars: 1600,
  emailsPerMinute: 60,
  smsPerMinute: 60,
  smtpTimeoutMs: 20_000,
  smsTimeoutMs: 10_000,
} as const;

/**
 * The configuration from SCRIPTFORGE_SMTP_URL and SCRIPTFORGE_MAIL_FROM (both, or neither),
 * SCRIPTFORGE_SMS_URL, SCRIPTFORGE_SMS_TOKEN, SCRIPTFORGE_SMS_FROM, SCRIPTFORGE_EMAILS_PER_MINUTE and
 * SCRIPTFORGE_SMS_PER_MINUTE. Throws on a mistake, so that it shows at start-up rather than in a
 * customer's script.
 */
export function sendConfigFromEnv(env: NodeJS.ProcessEnv): SendConfig {
  const get = (k: string) => {
    const v = env[k]?.trim();
    return v ? v : undefined;
  };
  const config: SendConfig = {};
  const smtpUrl = get('SCRIPTFORGE_SMTP_URL');
  const from = get('SCRIPTFORGE_MAIL_FROM');
  if (smtpUrl) {
    if (!/^smtps?:$/.test(protocolOf(smtpUrl, 'SCRIPTFORGE_SMTP_URL'))) throw new Error('SCRIPTFORGE_SMTP_URL must be an smtp:// or smtps:// URL');
    if (!from) throw new Error('SCRIPTFORGE_MAIL_FROM (the From of every message) is required with SCRIPTFORGE_SMTP_URL');
    const parsed = addressparser(from, { flatten: true });
    if (parsed.length !== 1 || !/^[^\s@]+@[^\s@]+$/.test(parsed[0].address) || /[\r\n]/.test(from)) {
      throw new Error(`SCRIPTFORGE_MAIL_FROM must be one address, such as "ScriptForge" <noreply@example.com>, not ${JSON.stringify(from)}`);
    }
    config.smtp = { url: smtpUrl, from };
  } else if (from) {
    throw new Error('SCRIPTFORGE_MAIL_FROM is set but SCRIPTFORGE_SMTP_URL is not');
  }
  const smsUrl = get('SCRIPTFORGE_SMS_URL');
  if (smsUrl) {
    if (!/^https?:$/.test(protocolOf(smsUrl, 'SCRIPTFORGE_SMS_URL'))) throw new Error('SCRIPTFORGE_SMS_URL must be an http:// or https:// URL');
    config.sms = { url: smsUrl, token: get('SCRIPTFORGE_SMS_TOKEN'), from: get('SCRIPTFORGE_SMS_FROM') };
  }
  const emails = perMinute(get('SCRIPTFORGE_EMAILS_PER_MINUTE'), 'SCRIPTFORGE_EMAILS_PER_MINUTE');
  if (emails !== undefined) config.emailsPerMinute = emails;
  const sms = perMinute(get('SCRIPTFORGE_SMS_PER_MINUTE'), 'SCRIPTFORGE_SMS_PER_MINUTE');
  if (sms !== undefined) config.smsPerMinute = sms;
  return config;
}

function protocolOf(url: string, name: string): string {
  try {
    return new URL(url).protocol;
  } catch {
    // The URL may hold a password: name the variable, not the value.
    throw new Error(`${name} is not a URL`);
  }
}

function perMinute(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, not ${JSON.stringify(v)}`);
  return n;
}
