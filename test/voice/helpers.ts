/** Shared by the voice tests: prompts of known lengths, and one call through the real engine and the simulator. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Engine, HostHandler, Limits } from '../../src/engine/index.js';
import {
  AudioDir, SimulatedCall, parseDigits, runCall,
  type CallOutcome, type Destination, type SimulatedCaller, type TimelineEntry,
} from '../../src/voice/index.js';
import { silenceWav } from '../../src/voice/index.js';

/** The audio files of the tests' audio folder, and their lengths. */
export const PROMPT_MS: Record<string, number> = {
  'ivr/welcome.wav': 2000,
  'ivr/menu.wav': 4000,
  'ivr/enter-pin.wav': 3000,
  'ivr/invalid.wav': 1500,
  'ivr/goodbye.wav': 1000,
  'user/greeting.wav': 2500,
};

let dir: string | null = null;
/** A folder with the stock prompts and one upload (silence of the lengths above). */
export function audioDir(): string {
  if (dir) return dir;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-audio-'));
  for (const [name, ms] of Object.entries(PROMPT_MS)) {
    fs.mkdirSync(path.join(dir, path.dirname(name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), silenceWav(ms));
  }
  return dir;
}

export interface CallTest {
  /** The caller's digits ("1@1500") and hang-up, in ms after the answer. */
  dtmf?: string;
  hangupAfterMs?: number;
  caller?: SimulatedCaller;
  destinations?: Record<string, Destination>;
  data?: unknown;
  host?: HostHandler;
  limits?: Partial<Limits>;
  maxCallMs?: number;
  graceMs?: number;
  realtime?: boolean;
  tenant?: string;
}

/** Runs `code` against a simulated call; returns the outcome and the simulator (what the far end saw). */
export async function call(engine: Engine, code: string, o: CallTest = {}): Promise<CallOutcome & { sim: SimulatedCall }> {
  const sim = new SimulatedCall({
    audio: new AudioDir(audioDir()),
    caller: { ...o.caller, ...(o.dtmf ? { dtmf: parseDigits(o.dtmf) } : {}), ...(o.hangupAfterMs !== undefined ? { hangupAfterMs: o.hangupAfterMs } : {}) },
    destinations: o.destinations,
    realtime: o.realtime,
  });
  const outcome = await runCall(engine, {
    code, filename: 'voice.js', backend: sim, data: o.data, host: o.host, limits: o.limits, maxCallMs: o.maxCallMs, graceMs: o.graceMs, tenant: o.tenant,
  });
  return { ...outcome, sim };
}

/** The timeline's entries for one operation. */
export function ops(timeline: TimelineEntry[], op: string): TimelineEntry[] {
  return timeline.filter((e) => e.op === op);
}
export function events(timeline: TimelineEntry[], event: string): TimelineEntry[] {
  return timeline.filter((e) => e.event === event);
}
/** The first entry of an operation (fails the test when there is none). */
export function op(timeline: TimelineEntry[], name: string): TimelineEntry {
  const e = timeline.find((x) => x.op === name);
  if (!e) throw new Error(`no ${name} on the timeline: ${JSON.stringify(timeline)}`);
  return e;
}
/** What the script logged, messages only. */
export function messages(o: CallOutcome): string[] {
  return o.logs.map((l) => l.message);
}
