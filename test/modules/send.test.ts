// cxSend through the real engine, as customers' apps use it, against a real SMTP server (smtp-server,
// messages read back with mailparser) and an HTTP SMS gateway, both on loopback and started here.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Engine, HostHandler } from '../../src/engine/index.js';
import { MODULES } from '../../src/modules/index.js';
import { RateLimiter } from '../../src/modules/fetch/index.js';
import { closeSendTransports, sendConfigFromEnv, sendHost, type SendConfig } from '../../src/modules/send/index.js';
import { exec, startEngine } from '../helpers.js';

const FROM = '"ScriptForge" <noreply@sf.example>';

let engine: Engine;
let smtp: SMTPServer;
let smtpUrl: string;
let smtpConnections = 0;
const mails: { mail: ParsedMail; rcptTo: string[]; mailFrom: string }[] = [];

let gateway: http.Server;
let gatewayUrl: string;
const texts: { url: string; headers: http.IncomingHttpHeaders; body: unknown }[] = [];

beforeAll(async () => {
  engine = await startEngine({ workers: 1, modules: MODULES });

  smtp = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onConnect(_session, cb) {
      smtpConnections++;
      cb();
    },
    onAuth(auth, _session, cb) {
      if (auth.username === 'mailer' && auth.password === 's3cret') cb(null, { user: auth.username });
      else cb(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, cb) {
      if (address.address.startsWith('nobody@')) cb(Object.assign(new Error(`5.1.1 <${address.address}>: Recipient address rejected: User unknown`), { responseCode: 550 }));
      else cb();
    },
    onData(stream, session, cb) {
      simpleParser(stream).then(
        (mail) => {
          if (mail.subject?.includes('[spam]')) {
            cb(Object.assign(new Error('5.7.1 Message rejected as spam'), { responseCode: 554 }));
            return;
          }
          mails.push({ mail, rcptTo: session.envelope.rcptTo.map((r) => r.address), mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '' });
          cb();
        },
        (err: Error) => cb(err),
      );
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  smtpUrl = `smtp://mailer:s3cret@127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;

  gateway = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url === '/slow') return; // never answers
      texts.push({ url: req.url ?? '', headers: req.headers, body: JSON.parse(body) as unknown });
      if (req.url === '/broken') {
        res.writeHead(500, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: 'upstream carrier unavailable' }));
      }
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `sms-${texts.length}`, status: 'queued' }));
    });
  });
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
  gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
});
afterAll(async () => {
  closeSendTransports();
  await new Promise<void>((r) => smtp.close(r));
  gateway.closeAllConnections();
  await new Promise((r) => gateway.close(r));
  await engine.close();
});
afterEach(() => {
  mails.length = 0;
  texts.length = 0;
});

const configured = (): SendConfig => ({
  smtp: { url: smtpUrl, from: FROM },
  sms: { url: `${gatewayUrl}/send`, token: 'gw-token-1', from: 'SFORGE' },
});

let accounts = 0;
/** One account's host handler (a fresh account each time, so that rate limits do not carry over). */
function account(config: SendConfig, more: { now?: () => number; limiter?: RateLimiter } = {}): { tenant: string; host: HostHandler } {
  const accountId = `acct-send-${++accounts}`;
  const h = sendHost({ accountId, config, ...more });
  return {
    tenant: accountId,
    host: async (module, method, args) => {
      if (module !== 'cxSend' || !Object.prototype.hasOwnProperty.call(h, method)) throw new Error(`no ${module}.${method}`);
      return h[method](args);
    },
  };
}
function app(code: string, as: { tenant: string; host: HostHandler }, data?: unknown) {
  return exec(engine, code, { ...as, type: 'app', data });
}
/** What a script sees when the call fails: 'Name: message', or 'ok'. */
async function attempt(call: string, as: { tenant: string; host: HostHandler }): Promise<unknown> {
  const r = await app(`const send = require('cxSend');
  async function main() { try { await send.${call}; return 'ok' } catch (e) { return e.name + ': ' + e.message } }`, as);
  return r.ok ? r.result : r;
}
const addresses = (a: AddressObject | AddressObject[] | undefined) => (Array.isArray(a) ? a : a ? [a] : []).flatMap((x) => x.value.map((v) => v.address));

describe('cxSend email', () => {
  it("sends through the operator's server (require form): the message arrives with its fields and the operator's From", async () => {
    const as = account(configured());
    const r = await app(`const send = require('cxSend');
    async function main(d) {
      return send.email({
        to: ['Ada <ada@example.com>', 'bob@example.com'], cc: 'carol@example.com', bcc: ['audit@example.com'],
        replyTo: 'noc@customer.example', subject: 'Blocked call from ' + d.cli,
        text: 'The caller ' + d.cli + ' was blocked.', html: '<p>The caller <b>' + d.cli + '</b> was blocked.</p>',
      });
    }`, as, { cli: '+4420555' });
    expect(r).toMatchObject({ ok: true, result: { accepted: ['ada@example.com', 'bob@example.com', 'carol@example.com', 'audit@example.com'], rejected: [] } });
    expect((r as { result: { messageId: string } }).result.messageId).toMatch(/^<.+@.+>$/);

    expect(mails).toHaveLength(1);
    const { mail, rcptTo, mailFrom } = mails[0];
    expect(mail.subject).toBe('Blocked call from +4420555');
    expect(mail.text?.trim()).toBe('The caller +4420555 was blocked.');
    expect(mail.html).toContain('<b>+4420555</b>');
    expect(mail.from?.text).toBe('"ScriptForge" <noreply@sf.example>');
    expect(mailFrom).toBe('noreply@sf.example');
    expect(mail.to).toMatchObject({ value: [{ name: 'Ada', address: 'ada@example.com' }, { address: 'bob@example.com' }] });
    expect(addresses(mail.cc)).toEqual(['carol@example.com']);
    expect(addresses(mail.replyTo)).toEqual(['noc@customer.example']);
    expect(mail.bcc).toBeUndefined(); // Bcc is in the envelope only
    expect(rcptTo).toEqual(['ada@example.com', 'bob@example.com', 'carol@example.com', 'audit@example.com']);
    expect(mail.messageId).toBe((r as { result: { messageId: string } }).result.messageId);
  });

  it('import form, with a single To address', async () => {
    const r = await app(`import { email } from 'cxSend';
    export async function main() { const s = await email({ to: 'dave@example.com', subject: 'Hello', text: 'Plain text only' }); return s.accepted }`, account(configured()));
    expect(r).toMatchObject({ ok: true, result: ['dave@example.com'] });
    expect(mails).toHaveLength(1);
    expect(addresses(mails[0].mail.to)).toEqual(['dave@example.com']);
    expect(mails[0].mail.subject).toBe('Hello');
    expect(mails[0].mail.from?.value[0].address).toBe('noreply@sf.example');
  });

  it('reports recipients the server refuses, and the server refusing the message, with its answer', async () => {
    const as = account(configured());
    const some = await app(`import { email } from 'cxSend';
    export async function main() { return email({ to: ['erin@example.com', 'nobody@example.com'], subject: 'Partly', text: 'x' }) }`, as);
    expect(some).toMatchObject({ ok: true, result: { accepted: ['erin@example.com'], rejected: ['nobody@example.com'] } });
    expect(mails.map((m) => m.rcptTo)).toEqual([['erin@example.com']]);

    expect(await attempt(`email({ to: 'frank@example.com', subject: 'Cheap [spam]', text: 'x' })`, as)).toBe(
      'SendFailedError: email: the mail server refused the message: 554 5.7.1 Message rejected as spam',
    );
    const none = await attempt(`email({ to: 'nobody@example.com', subject: 'Nobody', text: 'x' })`, as);
    expect(none).toMatch(/^SendFailedError: email: the mail server refused the message: .*550 5\.1\.1 <nobody@example\.com>: Recipient address rejected/);
  });

  it('a mail server that refuses the login is a SendFailedError that does not show the credentials', async () => {
    const wrong = smtpUrl.replace('s3cret', 'wrong-pass');
    const r = await attempt(`email({ to: 'gina@example.com', subject: 'Hi', text: 'x' })`, account({ smtp: { url: wrong, from: FROM } }));
    expect(r).toMatch(/^SendFailedError: email: the mail server refused the message: 535 5\.7\.8 Authentication credentials invalid/);
    expect(r).not.toContain('wrong-pass');
    expect(r).not.toContain('mailer');
    expect(mails).toHaveLength(0);
  });

  it('an unreachable mail server is a SendFailedError', async () => {
    const r = await attempt(`email({ to: 'gina@example.com', subject: 'Hi', text: 'x' })`, account({ smtp: { url: 'smtp://u:p@127.0.0.1:1', from: FROM } }));
    expect(r).toMatch(/^SendFailedError: email: could not reach the mail server/);
    expect(r).not.toContain('u:p');
  });

  it('refuses bad messages with an error naming the field, and sends nothing', async () => {
    const as = account(configured());
    const many = JSON.stringify(Array.from({ length: 51 }, (_, i) => `r${i}@example.com`));
    const cases: [string, string][] = [
      [`email('ada@example.com')`, 'SendError: email: expects a message object, such as { to, subject, text }'],
      [`email({ subject: 'Hi', text: 'x' })`, "SendError: email: 'to' is required: an email address or a list of them"],
      [`email({ to: [], subject: 'Hi', text: 'x' })`, "SendError: email: 'to' is required: an email address or a list of them"],
      [`email({ to: 'not-an-address', subject: 'Hi', text: 'x' })`, `SendError: email: 'to' has "not-an-address", which is not an email address`],
      [`email({ to: 'ada@example.com', cc: 'bob@', subject: 'Hi', text: 'x' })`, `SendError: email: 'cc' has "bob@", which is not an email address`],
      [`email({ to: 42, subject: 'Hi', text: 'x' })`, "SendError: email: 'to' must be an email address or a list of them, not number"],
      [`email({ to: 'ada@example.com\\r\\nBcc: victim@example.com', subject: 'Hi', text: 'x' })`, "SendError: email: 'to' contains a line break"],
      [`email({ to: 'ada@example.com', subject: 'Hi\\r\\nBcc: victim@example.com', text: 'x' })`, "SendError: email: 'subject' contains a line break"],
      [`email({ to: 'ada@example.com', replyTo: 'a@example.com\\nX-Evil: 1', subject: 'Hi', text: 'x' })`, "SendError: email: 'replyTo' contains a line break"],
      [`email({ to: 'ada@example.com', replyTo: ['a@example.com', 'b@example.com'], subject: 'Hi', text: 'x' })`, "SendError: email: 'replyTo' must be a single address"],
      [`email({ to: 'ada@example.com', text: 'x' })`, "SendError: email: 'subject' is required"],
      [`email({ to: 'ada@example.com', subject: 'Hi' })`, "SendError: email: 'text' or 'html' is required"],
      [`email({ to: 'ada@example.com', subject: 'Hi', text: { a: 1 } })`, "SendError: email: 'text' must be a string, not object"],
      [`email({ to: 'ada@example.com', from: 'ceo@bank.example', subject: 'Hi', text: 'x' })`, "SendError: email: 'from' cannot be set: mail is sent from the operator's address (set replyTo to receive the answers)"],
      [`email({ to: 'ada@example.com', subject: 'Hi', text: 'x', attachments: [{ path: '/etc/passwd' }] })`, "SendError: email: 'attachments' is not a field of a message (the fields are to, subject, text, html, cc, bcc, replyTo)"],
      [`email({ to: ${many}, subject: 'Hi', text: 'x' })`, 'SendError: email: at most 50 recipients (to, cc and bcc together) per message'],
      [`email({ to: 'ada@example.com', subject: 'Hi', text: 'x'.repeat(600000), html: 'y'.repeat(600000) })`, 'SendError: email: the body (text and html together) is 1200000 bytes; the limit is 1048576'],
    ];
    for (const [call, seen] of cases) expect(await attempt(call, as), call).toBe(seen);
    expect(mails).toHaveLength(0);
  });

  it('without an SMTP server configured, email is a SendNotConfiguredError', async () => {
    const r = await attempt(`email({ to: 'ada@example.com', subject: 'Hi', text: 'x' })`, account({ sms: configured().sms }));
    expect(r).toBe('SendNotConfiguredError: email: this server has no mail server configured (the operator sets SCRIPTFORGE_SMTP_URL)');
  });

  it("limits each account's emails per minute (RateLimitError), refilling over time", async () => {
    let clock = 0;
    const limiter = new RateLimiter();
    const config = { ...configured(), emailsPerMinute: 2 };
    const one = account(config, { now: () => clock, limiter });
    const other = account(config, { now: () => clock, limiter });
    const go = (as: typeof one) => attempt(`email({ to: 'ada@example.com', subject: 'Hi', text: 'x' })`, as);
    expect([await go(one), await go(one), await go(one)]).toEqual([
      'ok', 'ok', 'RateLimitError: email: this account may send at most 2 emails a minute; try again shortly',
    ]);
    expect(await go(other)).toBe('ok'); // per account
    clock += 30_000; // one more after half a minute
    expect([await go(one), await go(one)]).toEqual(['ok', 'RateLimitError: email: this account may send at most 2 emails a minute; try again shortly']);
    expect(mails).toHaveLength(4);
  });

  it('reuses the SMTP connection across executions rather than connecting for each', async () => {
    const as = account(configured());
    const before = smtpConnections;
    for (let i = 0; i < 3; i++) expect(await attempt(`email({ to: 'ada@example.com', subject: 'Again ${i}', text: 'x' })`, as)).toBe('ok');
    expect(smtpConnections - before).toBeLessThanOrEqual(1);
    expect(mails.map((m) => m.mail.subject)).toEqual(['Again 0', 'Again 1', 'Again 2']);
  });
});

describe('cxSend sms', () => {
  it('posts the number, text, sender id and account to the gateway with its bearer token (import form)', async () => {
    const as = account(configured());
    const r = await app(`import { sms } from 'cxSend';
    export async function main(d) { return sms(d.to, 'Your code is 4711') }`, as, { to: '+447700900123' });
    expect(r).toMatchObject({ ok: true, result: { id: 'sms-1', status: 'queued' } });
    expect(texts).toEqual([
      {
        url: '/send',
        headers: expect.objectContaining({ authorization: 'Bearer gw-token-1', 'content-type': 'application/json' }) as unknown,
        body: { to: '+447700900123', text: 'Your code is 4711', from: 'SFORGE', account: as.tenant },
      },
    ]);
  });

  it('a gateway that answers 500 is a SendFailedError naming the status; one that does not answer times out', async () => {
    const broken = account({ sms: { url: `${gatewayUrl}/broken`, token: 't' } });
    expect(await attempt(`sms('447700900123', 'hello')`, broken)).toBe(
      'SendFailedError: sms: the gateway answered 500 Internal Server Error: {"error":"upstream carrier unavailable"}',
    );
    const slow = account({ sms: { url: `${gatewayUrl}/slow`, timeoutMs: 300 } });
    expect(await attempt(`sms('447700900123', 'hello')`, slow)).toBe('SendFailedError: sms: the gateway did not answer within 300 ms');
    const down = account({ sms: { url: 'http://127.0.0.1:1/send', token: 'secret-token' } });
    const r = await attempt(`sms('447700900123', 'hello')`, down);
    expect(r).toMatch(/^SendFailedError: sms: could not reach the gateway/);
    expect(r).not.toContain('127.0.0.1');
    expect(r).not.toContain('secret-token');
  });

  it('refuses bad numbers and texts, and sends nothing', async () => {
    const as = account(configured());
    const cases: [string, string][] = [
      [`sms(447700900123, 'hi')`, "SendError: sms: the number must be a string such as '+447700900123', not number"],
      [`sms('+44 7700 900123', 'hi')`, `SendError: sms: the number must be 6 to 15 digits with an optional leading +, such as '+447700900123', not "+44 7700 900123"`],
      [`sms('12345', 'hi')`, `SendError: sms: the number must be 6 to 15 digits with an optional leading +, such as '+447700900123', not "12345"`],
      [`sms('+1234567890123456', 'hi')`, `SendError: sms: the number must be 6 to 15 digits with an optional leading +, such as '+447700900123', not "+1234567890123456"`],
      [`sms()`, 'SendError: sms: the number is required: sms(number, text)'],
      [`sms('+447700900123')`, 'SendError: sms: the text is required: sms(number, text)'],
      [`sms('+447700900123', '')`, 'SendError: sms: the text is required: sms(number, text)'],
      [`sms('+447700900123', { text: 'hi' })`, 'SendError: sms: the text must be a string, not object'],
      [`sms('+447700900123', 'x'.repeat(1601))`, 'SendError: sms: the text is 1601 characters; the limit is 1600'],
    ];
    for (const [call, seen] of cases) expect(await attempt(call, as), call).toBe(seen);
    expect(await attempt(`sms('447700', 'x'.repeat(1600))`, as)).toBe('ok');
    expect(texts).toHaveLength(1);
  });

  it('without a gateway configured, sms is a SendNotConfiguredError; the rate limit applies per account', async () => {
    expect(await attempt(`sms('+447700900123', 'hi')`, account({ smtp: configured().smtp }))).toBe(
      'SendNotConfiguredError: sms: this server has no SMS gateway configured (the operator sets SCRIPTFORGE_SMS_URL)',
    );
    const limited = account({ ...configured(), smsPerMinute: 1 }, { now: () => 0, limiter: new RateLimiter() });
    expect([await attempt(`sms('+447700900123', 'a')`, limited), await attempt(`sms('+447700900123', 'b')`, limited)]).toEqual([
      'ok', 'RateLimitError: sms: this account may send at most 1 text messages a minute; try again shortly',
    ]);
    expect(texts).toHaveLength(1);
  });
});

describe('sendConfigFromEnv', () => {
  it('reads the operator configuration, and refuses mistakes at start-up', () => {
    expect(sendConfigFromEnv({})).toEqual({});
    expect(
      sendConfigFromEnv({
        SCRIPTFORGE_SMTP_URL: 'smtps://u:p@mail.example:465', SCRIPTFORGE_MAIL_FROM: 'SF <noreply@sf.example>',
        SCRIPTFORGE_SMS_URL: 'https://gw.example/send', SCRIPTFORGE_SMS_TOKEN: 'tok', SCRIPTFORGE_SMS_FROM: 'SFORGE',
        SCRIPTFORGE_EMAILS_PER_MINUTE: '10',
      }),
    ).toEqual({
      smtp: { url: 'smtps://u:p@mail.example:465', from: 'SF <noreply@sf.example>' },
      sms: { url: 'https://gw.example/send', token: 'tok', from: 'SFORGE' },
      emailsPerMinute: 10,
    });
    expect(() => sendConfigFromEnv({ SCRIPTFORGE_SMTP_URL: 'smtp://mail.example' })).toThrow(/SCRIPTFORGE_MAIL_FROM .* is required/);
    expect(() => sendConfigFromEnv({ SCRIPTFORGE_SMTP_URL: 'http://mail.example', SCRIPTFORGE_MAIL_FROM: 'a@b.example' })).toThrow(/smtp:\/\/ or smtps:\/\//);
    expect(() => sendConfigFromEnv({ SCRIPTFORGE_SMTP_URL: 'smtp://mail.example', SCRIPTFORGE_MAIL_FROM: 'nobody' })).toThrow(/SCRIPTFORGE_MAIL_FROM must be one address/);
    expect(() => sendConfigFromEnv({ SCRIPTFORGE_SMS_URL: 'ftp://gw.example' })).toThrow(/http:\/\/ or https:\/\//);
    expect(() => sendConfigFromEnv({ SCRIPTFORGE_SMS_PER_MINUTE: '-1' })).toThrow(/positive number/);
  });
});
