/**
 * The SIP end-to-end tests' harness: a real server with its SIP user agent on 127.0.0.1, sipp as the
 * caller on 127.0.0.2 (scenario files written per test), and a UDP socket standing in for the
 * caller's RTP port where a test wants to see what we sent. Without sipp (Debian sip-tester) or
 * espeak-ng the tests are skipped, or fail when CI is set.
 */
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { reply } from '../sipp-reply.js';

export { reply };

export const CALLER_IP = '127.0.0.2';

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** Which of the needed programs are missing (sipp, espeak-ng); throws when CI is set and one is. */
export function missingTools(): string[] {
  const missing = [['sipp', 'sip-tester'], ['espeak-ng', 'espeak-ng']].filter(([cmd]) => !have(cmd)).map(([, pkg]) => pkg);
  if (missing.length && process.env.CI) throw new Error(`The SIP tests need the Debian packages: ${missing.join(', ')}`);
  if (missing.length) console.warn(`Skipping the SIP tests: install the Debian packages ${missing.join(', ')}`);
  return missing;
}

export interface SipTestServer {
  server: RunningServer;
  sipPort: number;
  dataDir: string;
  call(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** A voice script deployed and mapped to `number`; its id. */
  voiceScript(number: string, code: string): Promise<string>;
  /** The execution of the script's latest call, once recorded. */
  execution(scriptId: string, timeoutMs?: number): Promise<any>;
  close(): Promise<void>;
}

export async function startSipServer(): Promise<SipTestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-sip-'));
  process.env.LOG_LEVEL ??= 'silent';
  const adminKey = 'sf_test_operator_key';
  const server = await startServer({ port: 0, host: '127.0.0.1', dataDir, adminKey, workers: 1, sipListen: '127.0.0.1:0' });
  const raw = async (method: string, p: string, key: string, body?: unknown) => {
    const res = await fetch(server.url + p, {
      method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null } as { status: number; body: any };
  };
  const acct = await raw('POST', '/api/v1/accounts', adminKey, { name: 'voice' });
  const key = acct.body.apiKey as string;
  const call = (method: string, p: string, body?: unknown) => raw(method, p, key, body);
  return {
    server, dataDir, call, sipPort: server.sip!.ua.port,
    async voiceScript(number, code) {
      const s = await call('POST', '/api/v1/scripts', { name: `ivr-${number}`, type: 'app', code });
      if (s.status !== 201) throw new Error(`script: ${s.status} ${JSON.stringify(s.body)}`);
      const n = await call('PUT', `/api/v1/voice/numbers/${number}`, { scriptId: s.body.id });
      if (n.status !== 200) throw new Error(`number: ${n.status} ${JSON.stringify(n.body)}`);
      return s.body.id as string;
    },
    async execution(scriptId, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const l = await call('GET', `/api/v1/executions?scriptId=${scriptId}`);
        if (l.body?.length) return (await call('GET', `/api/v1/executions/${l.body[0].id}`)).body;
        if (Date.now() > until) throw new Error('no execution recorded');
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => server.close(),
  };
}

/** A free UDP port on the caller's address. */
export async function freePort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, CALLER_IP, r));
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

/** A UDP socket counting the RTP packets sent to it. */
export async function rtpSink(): Promise<{ port: number; packets: { pt: number; seq: number; ts: number; bytes: number; at: number }[]; close(): void }> {
  const s = dgram.createSocket('udp4');
  const packets: { pt: number; seq: number; ts: number; bytes: number; at: number }[] = [];
  s.on('message', (b) => {
    if (b.length >= 12) packets.push({ pt: b[1] & 0x7f, seq: b.readUInt16BE(2), ts: b.readUInt32BE(4), bytes: b.length - 12, at: performance.now() });
  });
  await new Promise<void>((r) => s.bind(0, CALLER_IP, r));
  return { port: s.address().port, packets, close: () => s.close() };
}

export interface SippResult {
  code: number | null;
  stderr: string;
  /** sipp's error log, when it wrote one. */
  errors: string;
}

/** Runs sipp once as the caller with `scenario` (XML text) calling `number`; kills it by pid when it overruns. */
export async function sipp(scenario: string, o: { sipPort: number; number: string; timeoutMs?: number }): Promise<SippResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-sipp-'));
  const file = path.join(dir, 'scenario.xml');
  fs.writeFileSync(file, scenario);
  const args = [
    `127.0.0.1:${o.sipPort}`, '-sf', file, '-s', o.number, '-i', CALLER_IP, '-p', String(await freePort()),
    '-mi', CALLER_IP, '-mp', String((await freePort()) & ~1), '-m', '1', '-l', '1', '-timeout', '20s', '-timeout_error',
    '-trace_err', '-error_file', path.join(dir, 'errors.log'), '-nostdin',
  ];
  const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), o.timeoutMs ?? 25_000);
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  clearTimeout(killer);
  const errFile = path.join(dir, 'errors.log');
  const errors = fs.existsSync(errFile) ? fs.readFileSync(errFile, 'utf8') : '';
  fs.rmSync(dir, { recursive: true, force: true });
  return { code, stderr, errors };
}

/** sipp's INVITE with a G.711 µ-law + telephone-event offer; RTP to `rtpPort` (default sipp's own media port). */
export function invite(rtpPort?: number): string {
  return `
  <send retrans="500">
    <![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:441632960001@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: sip:441632960001@[local_ip]:[local_port]
Max-Forwards: 70
X-Customer-ID: C-42
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio ${rtpPort ?? '[media_port]'} RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rtd="true"/>
  <send>
    <![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:441632960001@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: sip:441632960001@[local_ip]:[local_port]
Max-Forwards: 70
Content-Length: 0
    ]]>
  </send>`;
}

/** The far end hangs up: sipp receives our BYE and answers it. */
export const RECV_BYE = `
  <recv request="BYE" timeout="15000"/>${reply('200 OK', { contact: '<sip:[local_ip]:[local_port]>' })}`;

/** The caller hangs up: sipp sends BYE and waits for its 200. */
export const SEND_BYE = `
  <send retrans="500">
    <![CDATA[
BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:441632960001@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 BYE
Contact: sip:441632960001@[local_ip]:[local_port]
Max-Forwards: 70
Content-Length: 0
    ]]>
  </send>
  <recv response="200" crlf="true"/>`;

export function scenario(name: string, body: string): string {
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>\n<!DOCTYPE scenario SYSTEM "sipp.dtd">\n<scenario name="${name}">\n${body}\n</scenario>\n`;
}

/** Waits for `ms`. */
export function pause(ms: number): string {
  return `  <pause milliseconds="${ms}"/>`;
}

/** Where a second sipp (a bridge's B-leg, a UAS) listens. */
export const B_LEG_IP = '127.0.0.3';

/** A free UDP port on `address`. */
export async function freePortAt(address: string): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, address, r));
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

/**
 * sipp as a UAS (a bridge's B-leg) on `address`, running `scenario` for one call in the background:
 * `port` is its SIP port, `done` resolves when it exits; killed by pid after `timeoutMs` or by `kill()`.
 */
export async function sippUas(scenario: string, o: { address?: string; timeoutMs?: number } = {}): Promise<{ port: number; done: Promise<SippResult>; kill(): void }> {
  const address = o.address ?? B_LEG_IP;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-sipp-uas-'));
  const file = path.join(dir, 'scenario.xml');
  fs.writeFileSync(file, scenario);
  const port = await freePortAt(address);
  const args = [
    '-sf', file, '-i', address, '-p', String(port), '-mi', address, '-mp', String((await freePortAt(address)) & ~1),
    '-m', '1', '-timeout', '20s', '-timeout_error', '-trace_err', '-error_file', path.join(dir, 'errors.log'), '-nostdin',
  ];
  const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const kill = () => {
    if (child.pid && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
  };
  const killer = setTimeout(kill, o.timeoutMs ?? 25_000);
  const done = new Promise<number | null>((r) => child.on('exit', (c) => r(c))).then((code) => {
    clearTimeout(killer);
    const errFile = path.join(dir, 'errors.log');
    const errors = fs.existsSync(errFile) ? fs.readFileSync(errFile, 'utf8') : '';
    fs.rmSync(dir, { recursive: true, force: true });
    return { code, stderr, errors };
  });
  await new Promise((r) => setTimeout(r, 300)); // until it listens
  return { port, done, kill };
}

/** The B-leg (sipp UAS) takes our INVITE (keeping our From and Contact for its BYE). */
export const UAS_RECV_INVITE = `
  <recv request="INVITE" rrs="true">
    <action><ereg regexp=".*" search_in="hdr" header="From:" check_it="true" assign_to="ourfrom"/></action>
  </recv>`;

/** The B-leg answers with one G.711 payload (`pt`, 0 or 8) and telephone-event, its RTP to `rtpPort` on the caller's address. */
export function uasAnswer(rtpPort: number, pt: 0 | 8 = 0): string {
  return `${reply('180 Ringing', { tag: true, contact: '<sip:200@[local_ip]:[local_port]>' })}
  <send retrans="500">
    <![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:200@[local_ip]:[local_port]>
Content-Type: application/sdp
Content-Length: [len]

v=0
o=bleg 1 1 IN IP4 ${CALLER_IP}
s=-
c=IN IP4 ${CALLER_IP}
t=0 0
m=audio ${rtpPort} RTP/AVP ${pt} 101
a=rtpmap:${pt} ${pt === 0 ? 'PCMU' : 'PCMA'}/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
    ]]>
  </send>
  <recv request="ACK"/>`;
}

/** The B-leg hangs up: BYE in its dialog (From and To swapped), and our 200. */
export const UAS_SEND_BYE = `
  <send retrans="500">
    <![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:200@[local_ip]:[local_port]>;tag=[pid]SIPpTag01[call_number]
To: [$ourfrom]
Call-ID: [call_id]
CSeq: 1 BYE
Max-Forwards: 70
Content-Length: 0
    ]]>
  </send>
  <recv response="200"/>`;
