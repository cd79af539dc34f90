/** DTMF as the call sees it: the sixteen digits of RFC 4733 and how long sending one takes. */
export const DTMF_DIGITS = '0123456789*#ABCD';

/** One digit sent by ctx.sendDtmf: the tone, then the pause before the next one. */
export const DTMF_TONE_MS = 100;
export const DTMF_GAP_MS = 60;

export function isDtmf(s: string): boolean {
  if (s.length === 0) return false;
  for (const c of s) if (!DTMF_DIGITS.includes(c)) return false;
  return true;
}

/** How long sending `digits` takes. */
export function dtmfMs(digits: string): number {
  return digits.length * (DTMF_TONE_MS + DTMF_GAP_MS);
}
