/**
 * The scripted far ends of a simulated call, as the CLI and tests write them:
 * digits `"1@1500,2@1700"` (a group `"1234#@3000"` is pressed one digit every 200 ms), and how a
 * destination of bridge or transfer answers: `"busy"`, `"no-answer"`, `"486"`, `"answer"`,
 * `"answer:5000"` (talks 5 s), `"answer:5000:2000"` (rings 2 s first).
 */
import { isDtmf } from '../media/dtmf.js';

export interface ScriptedDigit {
  digit: string;
  /** Milliseconds after the call was answered. */
  atMs: number;
}

/** How a destination behaves when the script bridges or transfers to it. */
export interface Destination {
  /** Ringing before it answers or fails (default 1000). */
  ringMs?: number;
  /** A failure response (486 busy, 480 no answer...): it never answers. */
  sipCode?: number;
  /** Once answered, it hangs up after this long (default 30000). */
  talkMs?: number;
}

/** Time between the digits of a group. */
export const DIGIT_SPACING_MS = 200;

export function parseDigits(spec: string): ScriptedDigit[] {
  const out: ScriptedDigit[] = [];
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([0-9*#A-D]+)@(\d+(?:\.\d+)?)$/.exec(part);
    if (!m || !isDtmf(m[1])) throw new TypeError(`'${part}' is not DIGITS@MS (for example 1@1500 or 1234#@3000)`);
    [...m[1]].forEach((digit, i) => out.push({ digit, atMs: Number(m[2]) + i * DIGIT_SPACING_MS }));
  }
  return out.sort((a, b) => a.atMs - b.atMs);
}

export function parseDestination(spec: string): Destination {
  const s = spec.trim().toLowerCase();
  if (s === 'busy') return { sipCode: 486 };
  if (s === 'no-answer') return { sipCode: 480, ringMs: 30_000 };
  if (/^[3-6]\d\d$/.test(s)) return { sipCode: Number(s) };
  const m = /^answer(?::(\d+))?(?::(\d+))?$/.exec(s);
  if (m) return { ...(m[1] ? { talkMs: Number(m[1]) } : {}), ...(m[2] ? { ringMs: Number(m[2]) } : {}) };
  throw new TypeError(`'${spec}' is not a destination behaviour: busy, no-answer, a SIP code (486), answer, answer:TALK_MS or answer:TALK_MS:RING_MS`);
}
