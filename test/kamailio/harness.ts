/**
 * Real peers for the Kamailio end-to-end tests: a `kamailio` running examples/kamailio/kamailio.cfg,
 * `sipp` carriers (UAS) that log what they receive, and a `sipp` caller (UAC) that expects one final
 * response. Everything binds to one 127.0.0.x address per test; every process is ours, tracked by
 * PID and killed (with its process group) when the test ends, passed or failed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { reply } from '../sipp-reply.js';

export const CFG = new URL('../../examples/kamailio/kamailio.cfg', import.meta.url).pathname;
export const PACKAGES = 'kamailio kamailio-utils-modules kamailio-extra-modules sip-tester';

function which(cmd: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const d of dirs) {
    const p = path.join(d, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

export const KAMAILIO = which('kamailio');
export const SIPP = which('sipp');

/**
 * Null when kamailio (with the modules the example loads) and sipp are here; otherwise what is
 * missing, and what to install.
 */
export function missingPeers(): string | null {
  const missing: string[] = [];
  if (!KAMAILIO) missing.push('kamailio');
  if (!SIPP) missing.push('sipp');
  if (missing.length) return `${missing.join(' and ')} not found: install the Debian packages ${PACKAGES} (apt-get install -y --no-install-recommends ${PACKAGES})`;
  const check = spawnSync(KAMAILIO!, ['-c', '-f', CFG], { encoding: 'utf8', timeout: 15_000 });
  if (check.status !== 0) {
    const why = `${check.stdout}${check.stderr}`.split('\n').filter((l) => /ERROR|CRITICAL|could not/i.test(l)).slice(0, 5).join('\n');
    return `kamailio cannot load examples/kamailio/kamailio.cfg (a module missing? the Debian packages are ${PACKAGES}):\n${why}`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Processes

interface Proc {
  name: string;
  child: ChildProcess;
  out: string[];
  exited: Promise<number | null>;
}

const live = new Set<Proc>();

function start(name: string, cmd: string, args: string[], cwd: string): Proc {
  // detached: its own process group, so kamailio's children go with it when it is killed
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const out: string[] = [];
  const keep = (b: Buffer) => {
    out.push(b.toString());
    if (out.length > 2000) out.splice(0, out.length - 2000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.on('error', (err) => {
      out.push(String(err));
      resolve(-1);
    });
  });
  const p: Proc = { name, child, out, exited };
  live.add(p);
  void exited.then(() => live.delete(p));
  return p;
}

async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null || p.child.pid === undefined) return;
  const pid = p.child.pid;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig); // the group we made for it (detached)
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* gone */
      }
    }
  };
  signal('SIGTERM');
  const done = await Promise.race([p.exited.then(() => true), sleep(2000).then(() => false)]);
  if (!done) {
    signal('SIGKILL');
    await p.exited;
  }
  // kamailio's children may outlive the main process by a moment: make sure the group is gone
  signal('SIGKILL');
}

/** Kills every process these tests started and that still runs. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map(stop));
}
process.on('exit', () => {
  for (const p of live) {
    if (p.child.pid === undefined) continue;
    try {
      process.kill(-p.child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Addresses

const PORTS = { kamailio: 5060, carrierA: 5070, carrierB: 5080, caller: 5090 } as const;

async function udpFree(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, ip, () => s.close(() => resolve(true)));
  });
}

let nextHost = 2 + (process.pid % 200);

/** A 127.0.0.x of its own for one test, with the SIP ports it needs free. */
export async function freeLoopback(): Promise<string> {
  for (let tries = 0; tries < 250; tries++) {
    const ip = `127.0.0.${nextHost}`;
    nextHost = nextHost >= 250 ? 2 : nextHost + 1;
    const ok = await Promise.all(Object.values(PORTS).map((p) => udpFree(ip, p)));
    if (ok.every(Boolean)) return ip;
  }
  throw new Error('no free 127.0.0.x address with ports 5060-5090 free');
}

/** Resolves once something is bound to ip:port (UDP). */
async function bound(ip: string, port: number, p: Proc, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (p.child.exitCode !== null) throw new Error(`${p.name} exited (${p.child.exitCode}) before listening:\n${p.out.join('')}`);
    if (!(await udpFree(ip, port))) return;
    await sleep(20);
  }
  throw new Error(`${p.name} is not listening on ${ip}:${port} after ${ms} ms:\n${p.out.join('')}`);
}

// ---------------------------------------------------------------------------------------------
// Kamailio

export interface Kamailio {
  ip: string;
  port: number;
  proc: Proc;
  log(): string;
}

export interface KamailioOptions {
  ip: string;
  sfUrl: string;
  apiKey: string;
  scriptId: string;
  /** Where the example's two carriers are. */
  carrierA: { ip: string; port: number };
  carrierB: { ip: string; port: number };
  dir: string;
}

/** Starts kamailio with the example cfg; resolves when it answers an OPTIONS ping. */
export async function startKamailio(o: KamailioOptions): Promise<Kamailio> {
  const port = PORTS.kamailio;
  const run = fs.mkdtempSync(path.join(o.dir, 'kamailio-run-'));
  const str = (v: string) => JSON.stringify(v); // a cfg string literal
  const args = [
    '-f', CFG, '-DD', '-E', '-Y', run, '-n', '2', '-m', '32', '-M', '8',
    '-A', `LISTEN=udp:${o.ip}:${port}`,
    '-A', `SF_URL=${str(o.sfUrl)}`,
    '-A', `SF_API_KEY=${str(o.apiKey)}`,
    '-A', `SF_SCRIPT_ID=${str(o.scriptId)}`,
    '-A', `CARRIER_A_IP=${str(o.carrierA.ip)}`,
    '-A', `CARRIER_A_PORT=${o.carrierA.port}`,
    '-A', `CARRIER_B_IP=${str(o.carrierB.ip)}`,
    '-A', `CARRIER_B_PORT=${o.carrierB.port}`,
  ];
  const proc = start('kamailio', KAMAILIO!, args, o.dir);
  await sipPing(o.ip, port, proc);
  return { ip: o.ip, port, proc, log: () => proc.out.join('') };
}

/** Sends OPTIONS until kamailio answers 200 (the cfg answers keepalives to itself). */
async function sipPing(ip: string, port: number, p: Proc, ms = 10_000): Promise<void> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, ip, () => r()));
  const { port: lport } = sock.address();
  let answered = false;
  sock.on('message', (m) => {
    if (/^SIP\/2\.0 200 /.test(m.toString())) answered = true;
  });
  try {
    const until = Date.now() + ms;
    for (let n = 1; Date.now() < until; n++) {
      if (p.child.exitCode !== null) throw new Error(`kamailio exited (${p.child.exitCode}) while starting:\n${p.out.join('')}`);
      const msg = [
        `OPTIONS sip:${ip}:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP ${ip}:${lport};branch=z9hG4bK-ping-${process.pid}-${n}`,
        `From: <sip:ping@${ip}:${lport}>;tag=ping${n}`,
        `To: <sip:${ip}:${port}>`,
        `Call-ID: ping-${process.pid}-${n}@${ip}`,
        `CSeq: ${n} OPTIONS`,
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      sock.send(msg, port, ip);
      await sleep(50);
      if (answered) return;
    }
    throw new Error(`kamailio did not answer OPTIONS on ${ip}:${port} within ${ms} ms:\n${p.out.join('')}`);
  } finally {
    sock.close();
  }
}

// ---------------------------------------------------------------------------------------------
// sipp

export interface SipMessage {
  direction: 'received' | 'sent';
  text: string;
  /** The request method, or the response's status code as a string. */
  first: string;
  header(name: string): string | undefined;
}

/** Parses sipp's -trace_msg file. */
export function parseMessages(file: string): SipMessage[] {
  if (!fs.existsSync(file)) return [];
  const blocks = fs.readFileSync(file, 'utf8').split(/^-{10,}.*$/m);
  const out: SipMessage[] = [];
  for (const b of blocks) {
    const m = /^\s*\w+ message (received|sent)[^\n]*\n\n([\s\S]*)$/.exec(b);
    if (!m) continue;
    const text = m[2].replace(/\r/g, '').trim();
    const lines = text.split('\n');
    const start = lines[0] ?? '';
    const first = start.startsWith('SIP/2.0 ') ? start.split(' ')[1] : start.split(' ')[0];
    out.push({
      direction: m[1] as 'received' | 'sent',
      text,
      first,
      header(name) {
        const lower = name.toLowerCase();
        for (const l of lines.slice(1)) {
          if (l === '') break;
          const i = l.indexOf(':');
          if (i > 0 && l.slice(0, i).trim().toLowerCase() === lower) return l.slice(i + 1).trim();
        }
        return undefined;
      },
    });
  }
  return out;
}

/** The user part of a From/To header value. */
export function uriUser(h: string | undefined): string | undefined {
  return h ? /sips?:([^@;>]+)@/.exec(h)?.[1] : undefined;
}

export interface Sipp {
  proc: Proc;
  messages(): SipMessage[];
  /** The exit code (0: the scenario completed). */
  done(ms?: number): Promise<number | null>;
  stop(): Promise<void>;
  output(): string;
}

function sipp(name: string, dir: string, scenario: string, ip: string, port: number, mediaPort: number, extra: string[]): Sipp {
  const sf = path.join(dir, `${name}.xml`);
  fs.writeFileSync(sf, scenario);
  const msgFile = path.join(dir, `${name}.msg.log`);
  const errFile = path.join(dir, `${name}.err.log`);
  const args = [
    ...extra,
    '-sf', sf, '-i', ip, '-p', String(port), '-mi', ip, '-mp', String(mediaPort),
    '-m', '1', '-nostdin', '-timeout', '15s', '-timeout_error',
    '-trace_msg', '-message_file', msgFile, '-trace_err', '-error_file', errFile,
  ];
  const proc = start(name, SIPP!, args, dir);
  return {
    proc,
    messages: () => parseMessages(msgFile),
    async done(ms = 15_000) {
      const code = await Promise.race([proc.exited, sleep(ms).then(() => 'late' as const)]);
      if (code === 'late') {
        await stop(proc);
        throw new Error(`${name} did not finish within ${ms} ms`);
      }
      return code;
    },
    stop: () => stop(proc),
    output: () => {
      const err = fs.existsSync(errFile) ? fs.readFileSync(errFile, 'utf8') : '';
      return `${proc.out.join('').slice(-3000)}\n${err.slice(-3000)}`;
    },
  };
}

const xml = (body: string) => `<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="scriptforge">\n${body}\n</scenario>\n`;

const uasAnswer = (code: 200 | 503) =>
  code === 200
    ? xml(`
  <recv request="INVITE"/>${reply('200 OK', { tag: true, recordRoute: true, contact: '<sip:[local_ip]:[local_port];transport=[transport]>' })}
  <recv request="ACK"/>
  <recv request="BYE"/>${reply('200 OK')}`)
    : xml(`
  <recv request="INVITE"/>${reply('503 Service Unavailable', { tag: true })}
  <recv request="ACK"/>`);

/** A carrier: answers one INVITE with 200 (then takes the ACK and the BYE) or with 503. */
export async function startCarrier(name: string, dir: string, ip: string, port: number, answer: 200 | 503): Promise<Sipp> {
  const s = sipp(name, dir, uasAnswer(answer), ip, port, port === PORTS.carrierA ? 16000 : 16100, []);
  await bound(ip, port, s.proc);
  return s;
}

export const CARRIER_PORTS = { a: PORTS.carrierA, b: PORTS.carrierB } as const;

export interface CallOptions {
  dir: string;
  ip: string;
  kamailio: Kamailio;
  cli: string;
  dest: string;
  /** The final response the caller must get; a 2xx is ACKed and hung up with a BYE. */
  expect: number;
  /** Extra header lines in the INVITE. */
  headers?: string[];
}

/** One call from sipp: resolves with the caller's messages when it got the expected final response. */
export async function call(o: CallOptions): Promise<{ messages: SipMessage[]; final: SipMessage }> {
  const from = `From: "Caller" <sip:${o.cli}@[local_ip]:[local_port]>;tag=[pid]c[call_number]`;
  const invite = `
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      ${from}
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:${o.cli}@[local_ip]:[local_port]>
      Max-Forwards: 70
${(o.headers ?? []).map((h) => `      ${h}\n`).join('')}      Content-Length: 0

    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>`;
  const tail =
    o.expect >= 200 && o.expect < 300
      ? `
  <recv response="${o.expect}" rrs="true"/>
  <send>
    <![CDATA[
      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      [routes]
      ${from}
      [last_To:]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <send retrans="500">
    <![CDATA[
      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      [routes]
      ${from}
      [last_To:]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>`
      : `
  <recv response="${o.expect}"/>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      [last_Via:]
      ${from}
      [last_To:]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>`;
  const s = sipp('caller', o.dir, xml(invite + tail), o.ip, PORTS.caller, 16200, [`${o.kamailio.ip}:${o.kamailio.port}`, '-s', o.dest]);
  const code = await s.done();
  const messages = s.messages();
  const finals = messages.filter((m) => m.direction === 'received' && /^[2-6]\d\d$/.test(m.first) && m.header('CSeq')?.endsWith('INVITE'));
  if (code !== 0 || finals.length === 0) {
    const got = messages.filter((m) => m.direction === 'received').map((m) => m.text.split('\n')[0]);
    throw new Error(
      `the caller expected ${o.expect} and got ${JSON.stringify(got)} (sipp exit ${code})\n--- sipp:\n${s.output()}\n--- kamailio:\n${o.kamailio.log().slice(-6000)}`,
    );
  }
  return { messages, final: finals[finals.length - 1] };
}

export function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'sf-kamailio-'));
}
