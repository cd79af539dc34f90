/**
 * Audio for the wire: a WAV file's samples as 8 kHz mono 16-bit PCM, whatever it holds (PCM 8/16-bit,
 * µ-law, A-law; any rate and channel count, mixed down and resampled linearly).
 */
import fs from 'node:fs';
import { AudioFormatError } from '../errors.js';
import { readWavInfo } from '../media/wav.js';
import { alawToLinear, mulawToLinear } from './g711.js';

export const RATE = 8000;

export function readPcm8k(file: string, what: string): Int16Array {
  const fd = fs.openSync(file, 'r');
  try {
    const info = readWavInfo(fd, what);
    const data = Buffer.alloc(info.dataBytes);
    fs.readSync(fd, data, 0, info.dataBytes, info.dataOffset);
    const ch = Math.max(1, info.channels);
    let mono: Int16Array;
    if (info.format === 1 && info.bitsPerSample === 16) {
      const frames = Math.floor(data.length / (2 * ch));
      mono = new Int16Array(frames);
      for (let i = 0; i < frames; i++) {
        let sum = 0;
        for (let c = 0; c < ch; c++) sum += data.readInt16LE((i * ch + c) * 2);
        mono[i] = Math.round(sum / ch);
      }
    } else if ((info.format === 1 && info.bitsPerSample === 8) || info.format === 6 || info.format === 7) {
      const frames = Math.floor(data.length / ch);
      mono = new Int16Array(frames);
      const f = info.format === 6 ? alawToLinear : info.format === 7 ? mulawToLinear : (b: number) => (b - 128) << 8;
      for (let i = 0; i < frames; i++) {
        let sum = 0;
        for (let c = 0; c < ch; c++) sum += f(data[i * ch + c]);
        mono[i] = Math.round(sum / ch);
      }
    } else {
      throw new AudioFormatError(`${what} is not PCM, µ-law or A-law audio (WAV format ${info.format}, ${info.bitsPerSample} bits)`);
    }
    return resample(mono, info.sampleRate, RATE);
  } finally {
    fs.closeSync(fd);
  }
}

/** Linear interpolation, after a moving-average low-pass when going down (enough for speech on a phone line). */
export function resample(input: Int16Array, from: number, to: number): Int16Array {
  if (from === to || input.length === 0) return input;
  let src = input;
  if (to < from) {
    const w = Math.max(1, Math.round(from / to));
    if (w > 1) {
      src = new Int16Array(input.length);
      let acc = 0;
      for (let i = 0; i < input.length; i++) {
        acc += input[i];
        if (i >= w) acc -= input[i - w];
        src[i] = Math.round(acc / Math.min(i + 1, w));
      }
    }
  }
  const n = Math.floor((src.length * to) / from);
  const out = new Int16Array(n);
  const step = from / to;
  for (let i = 0; i < n; i++) {
    const x = i * step;
    const j = Math.floor(x);
    const f = x - j;
    const a = src[j];
    const b = j + 1 < src.length ? src[j + 1] : a;
    out[i] = Math.round(a + (b - a) * f);
  }
  return out;
}
