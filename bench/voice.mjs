/**
 * Class 5 voice over SIP (QUALITY.md): a real server with its SIP user agent on 127.0.0.1, in a process
 * of its own (`node bench/voice.mjs serve`, forked), and a small SIP/RTP caller of our own here on
 * 127.0.0.3 (UDP: INVITE with a PCMU offer, ACK, answers the BYE; one RTP socket per call).
 *
 * (a) answer: calls one at a time to `await ctx.answer(); await ctx.sleep(20); await ctx.hangup()`.
 *     `toWire`: on the call's own clock, from the answer operation in the call's timeline (GET
 *     /api/v1/calls/{callId}: when ctx.answer() reached the host; whole ms) to the 200 OK handed to
 *     the UDP socket (the server process wraps the user agent's send, for the bench only).
 *     `backend`: the same, from the SIP call's answer() being entered (sub-ms).
 *     `seenByCaller`: an upper bound from our caller: the 200 OK's arrival minus the INVITE's sending
 *     and the answer's time on the call (so it also holds the INVITE's trip and the call's set-up).
 * (b) 50 concurrent calls to `await ctx.answer(); await ctx.play('ivr/menu.wav'); await ctx.hangup()`:
 *     `jitter`: the RTP packets' arrival intervals at our receivers, as the deviation from 20 ms;
 *     `sendLate`: in the server, how late each packet left against its 20 ms slot (RtpMedia's stats).
 */
import { fork } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile, round } from './stats.mjs';

const CALLER_IP = '127.0.0.3';
const SELF = fileURLToPath(import.meta.url);

// --- the server process ------------------------------------------------------------------------------
async function serve() {
  process.env.LOG_LEVEL = 'warn';
  const { startServer } = await import('../dist/server/index.js');
  const { SipCall } = await import('../dist/voice/sip/index.js');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-bench-voice-'));
  const adminKey = 'sf_bench_operator';
  const server = await startServer({ port: 0, host: '127.0.0.1', dataDir, adminKey, sipListen: '127.0.0.1:0' });
  const call = async (method, p, key, body) => {
    const res = await fetch(server.url + p, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return res.json();
  };
  const { apiKey } = await call('POST', '/api/v1/accounts', adminKey, { name: 'bench-voice' });
  const scripts = {
    '7001': 'async function main(data, ctx) { await ctx.answer(); await ctx.waitForHangup(); }',
    '7002': "async function main(data, ctx) { await ctx.answer(); await ctx.play('ivr/menu.wav'); await ctx.hangup(); }",
  };
  for (const [number, code] of Object.entries(scripts)) {
    const s = await call('POST', '/api/v1/scripts', apiKey, { name: `bench-${number}`, type: 'app', code });
    await call('PUT', `/api/v1/voice/numbers/${number}`, apiKey, { scriptId: s.id });
  }
  // Bench-only instruments: when each call's answer() starts, and when its 200 OK goes to the socket.
  const answerAt = new Map();
  const playing = []; // the media of the concurrent calls: how late each RTP packet left against its 20 ms slot
  const answer = SipCall.prototype.answer;
  SipCall.prototype.answer = function (...args) {
    answerAt.set(this.call.callId, this.clock.now());
    if (this.call.to === '7002') playing.push(this.media.stats);
    return answer.apply(this, args);
  };
  const ua = server.sip.ua;
  const send = ua.send.bind(ua);
  ua.send = (m, to) => {
    const callId = m.headers.find(([n]) => n === 'call-id')?.[1];
    const cseq = m.headers.find(([n]) => n === 'cseq')?.[1] ?? '';
    const c = callId && ua.calls.get(callId);
    const t = c ? c.clock.now() : NaN;
    send(m, to);
    if (m.status === 200 && cseq.endsWith('INVITE') && answerAt.has(callId)) {
      process.send({ type: 'sent200', callId, at: t, ms: t - answerAt.get(callId) });
      answerAt.delete(callId);
    }
  };
  process.send({ type: 'ready', url: server.url, key: apiKey, sipPort: ua.port });
  process.on('message', (m) => {
    if (m === 'stats') process.send({ type: 'stats', lateMs: playing.flatMap((x) => x.lateMs) });
    if (m === 'stop') void server.close().then(() => fs.rmSync(dataDir, { recursive: true, force: true })).finally(() => process.exit(0));
  });
}

// --- the caller ----------------------------------------------------------------------------------------
function header(text, name) {
  const m = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(text);
  return m ? m[1].trim() : '';
}

class Caller {
  constructor(socket, sipPort) {
    this.socket = socket;
    this.sipPort = sipPort;
    this.calls = new Map();
    this.seq = 0;
    socket.on('message', (b) => this.#receive(b.toString('utf8')));
  }

  static async open(sipPort) {
    const s = dgram.createSocket('udp4');
    await new Promise((r) => s.bind(0, CALLER_IP, r));
    return new Caller(s, sipPort);
  }

  get port() {
    return this.socket.address().port;
  }

  #send(text) {
    this.socket.send(text, this.sipPort, '127.0.0.1');
  }

  /** One call to `number`: resolves when the call is over (their BYE, or the 200 to ours `hangupAfterMs` after the answer). */
  async call(number, { hangupAfterMs } = {}) {
    const rtp = dgram.createSocket('udp4');
    await new Promise((r) => rtp.bind(0, CALLER_IP, r));
    const arrivals = [];
    rtp.on('message', (b) => {
      if (b.length >= 12 && (b[1] & 0x7f) !== 101) arrivals.push(performance.now());
    });
    const n = ++this.seq;
    const callId = `bench-${process.pid}-${n}-${Date.now()}@${CALLER_IP}`;
    const from = `<sip:441632960001@${CALLER_IP}:${this.port}>;tag=b${n}`;
    const to = `<sip:${number}@127.0.0.1:${this.sipPort}>`;
    const sdp = ['v=0', `o=bench ${n} 1 IN IP4 ${CALLER_IP}`, 's=-', `c=IN IP4 ${CALLER_IP}`, 't=0 0', `m=audio ${rtp.address().port} RTP/AVP 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', ''].join('\r\n');
    const c = { callId, from, to, number, arrivals, n, invitedAt: 0, okAt: 0, hangupAfterMs };
    const done = new Promise((resolve, reject) => {
      c.resolve = resolve;
      c.timer = setTimeout(() => reject(new Error(`call ${callId} did not end`)), 30_000);
    });
    this.calls.set(callId, c);
    const invite = [
      `INVITE sip:${number}@127.0.0.1:${this.sipPort} SIP/2.0`,
      `Via: SIP/2.0/UDP ${CALLER_IP}:${this.port};branch=z9hG4bK-${n}-i`,
      `From: ${from}`, `To: ${to}`, `Call-ID: ${callId}`, 'CSeq: 1 INVITE', `Contact: <sip:441632960001@${CALLER_IP}:${this.port}>`,
      'Max-Forwards: 70', 'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(sdp)}`, '', sdp,
    ].join('\r\n');
    c.invitedAt = performance.now();
    this.#send(invite);
    try {
      await done;
    } finally {
      clearTimeout(c.timer);
      this.calls.delete(callId);
      rtp.close();
    }
    return c;
  }

  #receive(text) {
    const callId = header(text, 'call-id') || header(text, 'i');
    const c = this.calls.get(callId);
    if (!c) return;
    const first = text.slice(0, text.indexOf('\r\n'));
    if (first.startsWith('SIP/2.0 200') && header(text, 'cseq').endsWith('INVITE')) {
      const toHdr = header(text, 'to') || header(text, 't');
      const inDialog = (method, seq, branch) => [
        `${method} sip:${c.number}@127.0.0.1:${this.sipPort} SIP/2.0`, `Via: SIP/2.0/UDP ${CALLER_IP}:${this.port};branch=z9hG4bK-${c.n}-${branch}`,
        `From: ${c.from}`, `To: ${toHdr}`, `Call-ID: ${callId}`, `CSeq: ${seq} ${method}`, 'Max-Forwards: 70', 'Content-Length: 0', '', '',
      ].join('\r\n');
      this.#send(inDialog('ACK', 1, 'a'));
      if (!c.okAt) {
        c.okAt = performance.now();
        if (c.hangupAfterMs !== undefined) setTimeout(() => this.#send(inDialog('BYE', 2, 'b')), c.hangupAfterMs);
      }
    } else if (first.startsWith('SIP/2.0 200') && header(text, 'cseq').endsWith('BYE')) {
      c.resolve();
    } else if (first.startsWith('SIP/2.0 ') && !first.startsWith('SIP/2.0 1') && header(text, 'cseq').endsWith('INVITE')) {
      c.failed = first;
      c.resolve();
    } else if (first.startsWith('BYE ')) {
      c.byeAt = performance.now();
      const keep = text.split('\r\n').filter((l) => /^(via|v|from|f|to|t|call-id|i|cseq):/i.test(l));
      this.#send(['SIP/2.0 200 OK', ...keep, 'Content-Length: 0', '', ''].join('\r\n'));
      c.resolve();
    }
  }

  close() {
    this.socket.close();
  }
}

function startServerProcess() {
  return new Promise((resolve, reject) => {
    const child = fork(SELF, ['serve'], { execArgv: ['--no-node-snapshot'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const sent200 = new Map();
    child.on('message', (m) => {
      if (m.type === 'ready') resolve({ child, sent200, ...m });
      else if (m.type === 'sent200') sent200.set(m.callId, m);
      else if (m.type === 'stats') child.emit('stats', m);
    });
    child.on('exit', (code) => reject(new Error(`voice bench server exited (${code})`)));
  });
}

const dist = (xs) => ({ n: xs.length, p50: round(percentile(xs, 50), 3), p99: round(percentile(xs, 99), 3), max: round(Math.max(...xs), 3) });

export async function benchVoice(progress, { answerCalls = 50, concurrent = 50 } = {}) {
  const srv = await startServerProcess();
  const caller = await Caller.open(srv.sipPort);
  const timelineOf = async (callId) => {
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`${srv.url}/api/v1/calls/${encodeURIComponent(callId)}`, { headers: { authorization: `Bearer ${srv.key}` } });
      if (res.status === 200) return (await res.json()).timeline;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`call ${callId} not recorded`);
  };
  try {
    // (a) answer latency, one call at a time (5 warm-up calls first)
    progress(`voice: ${answerCalls} calls one at a time, ctx.answer() to the 200 OK`);
    const wire = [];
    const sent = [];
    const inServer = [];
    for (let i = 0; i < answerCalls + 5; i++) {
      const c = await caller.call('7001', { hangupAfterMs: 20 });
      if (c.failed || !c.okAt) throw new Error(`call failed: ${c.failed ?? 'no 200 OK'}`);
      if (i < 5) continue;
      const tl = await timelineOf(c.callId);
      const answer = tl.find((x) => x.op === 'answer');
      wire.push(c.okAt - c.invitedAt - answer.t);
      const s = srv.sent200.get(c.callId);
      if (s) {
        sent.push(Math.max(0, s.at - answer.t));
        inServer.push(s.ms);
      }
    }
    // (b) concurrent calls playing the menu prompt
    progress(`voice: ${concurrent} concurrent calls playing ivr/menu.wav, RTP jitter at the receivers`);
    const calls = await Promise.all(Array.from({ length: concurrent }, () => caller.call('7002')));
    const failed = calls.filter((c) => c.failed || !c.okAt).length;
    const dev = [];
    let packets = 0;
    for (const c of calls) {
      packets += c.arrivals.length;
      for (let i = 1; i < c.arrivals.length; i++) dev.push(Math.abs(c.arrivals[i] - c.arrivals[i - 1] - 20));
    }
    const stats = new Promise((r) => srv.child.once('stats', r));
    srv.child.send('stats');
    const { lateMs } = await stats;
    const result = {
      answer: { calls: answerCalls, toWire: dist(sent), backend: dist(inServer), seenByCaller: dist(wire) },
      concurrent: { calls: concurrent, failed, packets, packetsPerCall: round(packets / concurrent, 1), jitter: dev.length ? dist(dev) : { n: 0, p50: NaN, p99: NaN, max: NaN }, sendLate: dist(lateMs) },
    };
    return result;
  } finally {
    caller.close();
    srv.child.send('stop');
    await new Promise((r) => {
      const t = setTimeout(() => {
        srv.child.kill('SIGKILL');
        r();
      }, 10_000);
      srv.child.on('exit', () => {
        clearTimeout(t);
        r();
      });
    });
  }
}

if (process.argv[1] === SELF && process.argv[2] === 'serve') {
  await serve();
} else if (process.argv[1] === SELF) {
  // node bench/voice.mjs: this section alone, as JSON
  const r = await benchVoice((m) => process.stderr.write(`bench: ${m}\n`));
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
