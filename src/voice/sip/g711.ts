/** G.711: 16-bit linear PCM to µ-law (PCMU) and A-law (PCMA), and back. */

const BIAS = 0x84;
const CLIP = 32635;

export function linearToMulaw(sample: number): number {
  let s = sample;
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

export function mulawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  const t = (((u & 0x0f) << 3) + BIAS) << ((u & 0x70) >> 4);
  return u & 0x80 ? BIAS - t : t - BIAS;
}

export function linearToAlaw(sample: number): number {
  let s = sample;
  let mask: number;
  if (s >= 0) mask = 0xd5;
  else {
    mask = 0x55;
    s = -s - 1;
  }
  if (s > 32767) s = 32767;
  let seg = 0;
  for (let end = 0xff; seg < 8 && s > end; end = (end << 1) | 1) seg++;
  if (seg >= 8) return 0x7f ^ mask;
  const aval = seg << 4;
  return (aval | ((seg < 2 ? s >> 4 : s >> (seg + 3)) & 0x0f)) ^ mask;
}

export function alawToLinear(byte: number): number {
  const a = byte ^ 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else if (seg === 1) t += 0x108;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

const MU = new Uint8Array(65536);
const AL = new Uint8Array(65536);
for (let i = -32768; i < 32768; i++) {
  MU[i & 0xffff] = linearToMulaw(i);
  AL[i & 0xffff] = linearToAlaw(i);
}

/** Encodes 16-bit samples into `out` (one byte each). */
export function encodeG711(samples: Int16Array, codec: 'PCMU' | 'PCMA', out = new Uint8Array(samples.length)): Uint8Array {
  const table = codec === 'PCMU' ? MU : AL;
  for (let i = 0; i < samples.length; i++) out[i] = table[samples[i] & 0xffff];
  return out;
}

export function decodeG711(bytes: Uint8Array, codec: 'PCMU' | 'PCMA'): Int16Array {
  const out = new Int16Array(bytes.length);
  const f = codec === 'PCMU' ? mulawToLinear : alawToLinear;
  for (let i = 0; i < bytes.length; i++) out[i] = f(bytes[i]);
  return out;
}
