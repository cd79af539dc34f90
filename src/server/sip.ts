/**
 * The SIP service: the built-in user agent (src/voice/sip) started with the server when
 * SCRIPTFORGE_SIP_LISTEN=host:port. Each call to a number (PUT /api/v1/voice/numbers/{number}) runs
 * the deployed version of its script through runCall with the SIP backend, and is recorded as an
 * execution (trigger 'voice'); its result is `{callId, from, to, timeline}`, kept for failed calls too.
 */
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Executor } from '../executor/index.js';
import { newId, type Store } from '../store/index.js';
import { AudioDir, DEFAULT_MAX_CALL_MS, runCall, type AudioFiles } from '../voice/index.js';
import { SipUserAgent, SpeechCache, ensureStockPrompts, type SipCall } from '../voice/sip/index.js';

export interface SipServiceOptions {
  host: string;
  port: number;
  store: Store;
  executor: Executor;
  dataDir: string;
  log: FastifyBaseLogger;
  maxCallMs?: number;
}

export interface SipService {
  ua: SipUserAgent;
  /** Hangs up every call, waits for their scripts and records, stops listening. */
  close(): Promise<void>;
}

/** Starts the SIP user agent: stock prompts rendered when missing, each call run through its number's script. */
export async function startSipService(o: SipServiceOptions): Promise<SipService> {
  const audioRoot = path.join(o.dataDir, 'audio');
  try {
    const made = await ensureStockPrompts(audioRoot);
    if (made.length) o.log.info({ prompts: made }, 'rendered the stock prompts with espeak-ng');
  } catch (err) {
    o.log.warn({ err }, 'could not render the stock prompts (is espeak-ng installed?)');
  }
  const running = new Set<Promise<void>>();
  const ua = await SipUserAgent.start({
    host: o.host,
    port: o.port,
    audio: new AudioDir(audioRoot),
    speech: new SpeechCache(path.join(o.dataDir, 'tts-cache')),
    recordDir: path.join(o.dataDir, 'recordings'),
    onError: (err) => o.log.warn({ err }, 'SIP'),
    onCall: (call) => {
      const p = runSipCall(o, call).catch((err: unknown) => {
        o.log.error({ err, callId: call.call.callId }, 'SIP call failed');
        call.close();
      });
      running.add(p);
      void p.finally(() => running.delete(p));
    },
  });
  o.log.info({ host: o.host, port: ua.port }, 'SIP user agent listening (UDP)');
  return {
    ua,
    async close() {
      await ua.close();
      await Promise.all(running);
    },
  };
}

/** Where an account's uploads (`user/NAME` in its scripts) live: DATA/audio/user/<accountId>/. */
export function userAudioDir(dataDir: string, accountId: string): string {
  return path.join(dataDir, 'audio', 'user', accountId);
}

/** Where an account's recordings (ctx.record(name)) are written: DATA/recordings/<accountId>/. */
export function recordingsDir(dataDir: string, accountId: string): string {
  return path.join(dataDir, 'recordings', accountId);
}

/** The audio an account's call plays: the stock prompts, and `user/` mapped to the account's own uploads. */
export function accountAudio(dataDir: string, accountId: string): AudioDir {
  return new AudioDir(path.join(dataDir, 'audio'), userAudioDir(dataDir, accountId));
}

async function runSipCall(o: SipServiceOptions, call: SipCall): Promise<void> {
  const n = await o.store.getVoiceNumber(call.call.to);
  const rt = n ? await o.executor.runtimeOf(n.accountId, n.scriptId) : null;
  if (!n || !rt) {
    await call.reject(404, 'Not Found');
    call.close();
    return;
  }
  call.recordDir = recordingsDir(o.dataDir, n.accountId);
  // The call plays the account's own uploads: `audio` is a plain field of SipCall, set per call here.
  (call as { audio: AudioFiles }).audio = accountAudio(o.dataDir, n.accountId);
  call.ringing();
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  try {
    const outcome = await runCall(o.executor.engine, {
      code: rt.code,
      filename: `${rt.script.name}.js`,
      data: { from: call.call.from, to: call.call.to },
      backend: call,
      tenant: n.accountId,
      limits: rt.script.limits,
      isolation: rt.script.isolation,
      env: rt.env,
      host: rt.host,
      maxCallMs: o.maxCallMs ?? DEFAULT_MAX_CALL_MS,
    });
    await o.store.recordExecution({
      id: newId('exe'), accountId: n.accountId, scriptId: rt.script.id, version: rt.version, fn: 'main', trigger: 'voice',
      ok: outcome.ok, error: outcome.error ?? null, logs: outcome.logs, cpuMs: 0, wallMs: Math.round(performance.now() - t0), startedAt,
      resultJson: JSON.stringify({ callId: call.call.callId, from: call.call.from, to: call.call.to, timeline: outcome.timeline }),
    });
  } finally {
    rt.host.dispose();
    call.close();
  }
}
