/**
 * The voice APIs of a real server: uploaded audio (PUT/GET/DELETE /api/v1/audio), the calls with their
 * timelines (GET /api/v1/calls[/{id}]) and recordings (GET /api/v1/recordings/{name}), each per
 * account. The calls are real SIP calls placed by sipp (skipped without sip-tester/espeak-ng).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { encodeWav } from '../../src/voice/index.js';
import { RECV_BYE, invite, missingTools, scenario, sipp } from '../voice-sip/helpers.js';

const missing = missingTools();
const adminKey = 'sf_test_operator_key';

/** `ms` of a 440 Hz tone, as a 16-bit PCM WAV. */
function tone(ms: number, sampleRate = 8000): Buffer {
  const n = Math.round((ms * sampleRate) / 1000);
  const s = new Int16Array(n);
  for (let i = 0; i < n; i++) s[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / sampleRate));
  return encodeWav(s, { sampleRate });
}

let server: RunningServer;
let dataDir: string;
let a: string;
let b: string;

async function req(method: string, p: string, key: string, body?: unknown, type?: string): Promise<{ status: number; body: any; headers: Headers; bytes: Buffer }> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  let payload: BodyInit | undefined;
  if (Buffer.isBuffer(body)) {
    payload = new Uint8Array(body);
    headers['content-type'] = type ?? 'audio/wav';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(server.url + p, { method, headers, body: payload });
  const bytes = Buffer.from(await res.arrayBuffer());
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed as any, headers: res.headers, bytes };
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-voice-api-'));
  process.env.LOG_LEVEL ??= 'silent';
  server = await startServer({ port: 0, host: '127.0.0.1', dataDir, adminKey, workers: 1, ...(missing.length ? {} : { sipListen: '127.0.0.1:0' }) });
  a = (await req('POST', '/api/v1/accounts', adminKey, { name: 'a' })).body.apiKey;
  b = (await req('POST', '/api/v1/accounts', adminKey, { name: 'b' })).body.apiKey;
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('uploaded audio', () => {
  it('a WAV uploads, is listed with its length, per account, and deletes', async () => {
    const up = await req('PUT', '/api/v1/audio/hello.wav', a, tone(400));
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    expect(up.body).toMatchObject({ name: 'hello.wav', play: 'user/hello.wav', durationMs: 400, format: 'pcm', sampleRate: 8000, channels: 1 });
    const mu = await req('PUT', '/api/v1/audio/mu.wav', a, encodeWav(new Uint8Array(800).fill(0xff), { encoding: 'mulaw' }), 'audio/x-wav');
    expect(mu.status).toBe(201);
    expect(mu.body).toMatchObject({ format: 'mulaw', durationMs: 100 });

    const list = await req('GET', '/api/v1/audio', a);
    expect(list.body.map((x: { name: string }) => x.name)).toEqual(['hello.wav', 'mu.wav']);
    // another account sees none of them
    expect((await req('GET', '/api/v1/audio', b)).body).toEqual([]);
    expect((await req('DELETE', '/api/v1/audio/mu.wav', b)).status).toBe(404);

    expect((await req('DELETE', '/api/v1/audio/mu.wav', a)).status).toBe(204);
    expect((await req('DELETE', '/api/v1/audio/mu.wav', a)).status).toBe(404);
    expect((await req('GET', '/api/v1/audio', a)).body.map((x: { name: string }) => x.name)).toEqual(['hello.wav']);
  });

  it('refuses what the SIP backend could not play, bad names and oversized files', async () => {
    const junk = await req('PUT', '/api/v1/audio/junk.wav', a, Buffer.from('not a wav file at all, just text'));
    expect(junk.status).toBe(400);
    expect(junk.body.error.code).toBe('INVALID_AUDIO');
    const float = tone(100);
    float.writeUInt16LE(3, 20); // IEEE float
    const f = await req('PUT', '/api/v1/audio/float.wav', a, float);
    expect(f.status).toBe(400);
    expect(f.body.error.message).toMatch(/PCM, µ-law or A-law/);
    expect((await req('PUT', '/api/v1/audio/no-extension', a, tone(100))).status).toBe(400);
    expect((await req('PUT', '/api/v1/audio/..%2Fx.wav', a, tone(100))).status).toBe(400);
    expect((await req('PUT', '/api/v1/audio/big.wav', a, Buffer.alloc(10 * 1024 * 1024 + 1))).status).toBe(413);
    expect((await req('PUT', '/api/v1/audio/none.wav', b, tone(100))).status).toBe(201);
    expect((await req('GET', '/api/v1/audio', a)).body.map((x: { name: string }) => x.name)).toEqual(['hello.wav']);
    expect(fs.readdirSync(path.join(dataDir, 'audio', 'user')).length).toBe(2); // one folder per account, no leftovers
  });

  it('no key, no audio', async () => {
    const res = await fetch(`${server.url}/api/v1/audio`);
    expect(res.status).toBe(401);
  });
});

describe.skipIf(missing.length > 0)('calls and recordings (real SIP calls with sipp)', () => {
  async function voiceScript(key: string, number: string, code: string): Promise<string> {
    const s = await req('POST', '/api/v1/scripts', key, { name: `ivr-${number}`, type: 'app', code });
    expect(s.status, JSON.stringify(s.body)).toBe(201);
    expect((await req('PUT', `/api/v1/voice/numbers/${number}`, key, { scriptId: s.body.id })).status).toBe(200);
    return s.body.id as string;
  }
  async function calls(key: string, n: number): Promise<any[]> {
    const until = Date.now() + 10_000;
    for (;;) {
      const l = await req('GET', '/api/v1/calls', key);
      if (l.body.length >= n || Date.now() > until) return l.body;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const sipPort = () => server.sip!.ua.port;

  it("a call plays the account's own upload and records; its timeline and recording are the account's alone", async () => {
    expect((await req('PUT', '/api/v1/audio/greeting.wav', a, tone(600))).status).toBe(201);
    await voiceScript(a, '5501', `async function main(data, ctx) {
      await ctx.answer();
      await ctx.record('call1');
      const r = await ctx.play('user/greeting.wav');
      ctx.log('played ' + r.ms);
      await ctx.sleep(300);
    }`);
    const r = await sipp(scenario('api-call', invite() + RECV_BYE), { sipPort: sipPort(), number: '5501' });
    expect(r.code, r.errors + r.stderr).toBe(0);

    const [c] = await calls(a, 1);
    expect(c).toMatchObject({ ok: true, to: '5501', from: '441632960001' });
    expect(c.callId).toEqual(expect.any(String));
    expect(Date.parse(c.startedAt)).toBeGreaterThan(Date.now() - 60_000);

    const one = await req('GET', `/api/v1/calls/${c.id}`, a);
    expect(one.status).toBe(200);
    const play = one.body.timeline.find((x: { op?: string }) => x.op === 'play');
    expect(play).toMatchObject({ file: 'user/greeting.wav', result: { ms: 600 } });
    expect(one.body.timeline.some((x: { event?: string }) => x.event === 'hangup')).toBe(true);
    expect((await req('GET', `/api/v1/calls/${encodeURIComponent(c.callId)}`, a)).body.id).toBe(c.id);

    // the other account: no calls, no such call, no such recording
    expect((await req('GET', '/api/v1/calls', b)).body).toEqual([]);
    expect((await req('GET', `/api/v1/calls/${c.id}`, b)).status).toBe(404);
    expect((await req('GET', '/api/v1/recordings/call1', b)).status).toBe(404);

    const rec = await req('GET', '/api/v1/recordings/call1', a);
    expect(rec.status).toBe(200);
    expect(rec.headers.get('content-type')).toBe('audio/wav');
    expect(rec.bytes.toString('latin1', 0, 4)).toBe('RIFF');
    expect(rec.bytes.length).toBeGreaterThan(44 + 8000); // ≥ 0.5 s of 8 kHz audio
    expect((await req('GET', '/api/v1/recordings/call1.wav', a)).bytes.equals(rec.bytes)).toBe(true);
    expect((await req('GET', '/api/v1/recordings', a)).body).toEqual([expect.objectContaining({ name: 'call1.wav' })]);
    expect((await req('GET', '/api/v1/recordings/nothing', a)).status).toBe(404);
  });

  it("another account's call cannot play the first account's upload", async () => {
    await voiceScript(b, '5502', `async function main(data, ctx) {
      await ctx.answer();
      await ctx.play('user/greeting.wav');
    }`);
    const r = await sipp(scenario('api-other', invite() + RECV_BYE), { sipPort: sipPort(), number: '5502' });
    expect(r.code, r.errors + r.stderr).toBe(0);
    const [c] = await calls(b, 1);
    expect(c).toMatchObject({ ok: false, to: '5502' });
    expect(c.error).toMatch(/user\/greeting\.wav.*not found/);
    expect((await req('GET', '/api/v1/calls', a)).body).toHaveLength(1);
  });
});
