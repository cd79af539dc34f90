/**
 * WAV files: how long one plays (from its header, without reading the audio), and writing one.
 * Telephony audio is 8 kHz mono PCM, µ-law or A-law; any rate and format with a byte rate works
 * for the duration.
 */
import fs from 'node:fs';
import { AudioFormatError } from '../errors.js';

export interface WavInfo {
  /** 1 PCM, 6 A-law, 7 µ-law (others are read for their length only). */
  format: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  /** Where the samples start in the file, and how many bytes they take. */
  dataOffset: number;
  dataBytes: number;
  durationMs: number;
}

/** Reads the header of the WAV file open as `fd` (chunk by chunk: a large LIST chunk is skipped, not read). */
export function readWavInfo(fd: number, what: string): WavInfo {
  const size = fs.fstatSync(fd).size;
  const head = Buffer.alloc(12);
  if (fs.readSync(fd, head, 0, 12, 0) < 12 || head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') {
    throw new AudioFormatError(`${what} is not a WAV file (RIFF/WAVE)`);
  }
  let fmt: Omit<WavInfo, 'dataOffset' | 'dataBytes' | 'durationMs'> & { byteRate: number } | null = null;
  const chunk = Buffer.alloc(24);
  let at = 12;
  while (at + 8 <= size) {
    fs.readSync(fd, chunk, 0, 8, at);
    const id = chunk.toString('latin1', 0, 4);
    const bytes = chunk.readUInt32LE(4);
    if (id === 'fmt ') {
      if (bytes < 16 || fs.readSync(fd, chunk, 0, 16, at + 8) < 16) break;
      fmt = {
        format: chunk.readUInt16LE(0), channels: chunk.readUInt16LE(2), sampleRate: chunk.readUInt32LE(4),
        byteRate: chunk.readUInt32LE(8), bitsPerSample: chunk.readUInt16LE(14),
      };
    } else if (id === 'data') {
      if (!fmt || fmt.byteRate === 0) break;
      // A streamed WAV may say 0 or 0xFFFFFFFF: then the samples run to the end of the file.
      const dataBytes = bytes === 0 || bytes === 0xffffffff || at + 8 + bytes > size ? size - at - 8 : bytes;
      const { byteRate, ...rest } = fmt;
      return { ...rest, dataOffset: at + 8, dataBytes, durationMs: Math.round((dataBytes * 1000) / byteRate) };
    }
    at += 8 + bytes + (bytes & 1);
  }
  throw new AudioFormatError(`${what} is not a WAV file we can play (no fmt and data chunks)`);
}

export type WavEncoding = 'pcm16' | 'mulaw' | 'alaw';

/** A WAV file of `samples` (16-bit for pcm16, one byte each for µ-law and A-law), mono. */
export function encodeWav(samples: Int16Array | Uint8Array, o: { sampleRate?: number; encoding?: WavEncoding } = {}): Buffer {
  const sampleRate = o.sampleRate ?? 8000;
  const encoding = o.encoding ?? 'pcm16';
  const width = encoding === 'pcm16' ? 2 : 1;
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const out = Buffer.alloc(44 + data.length);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(36 + data.length, 4);
  out.write('WAVEfmt ', 8, 'latin1');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(encoding === 'pcm16' ? 1 : encoding === 'alaw' ? 6 : 7, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * width, 28);
  out.writeUInt16LE(width, 32);
  out.writeUInt16LE(width * 8, 34);
  out.write('data', 36, 'latin1');
  out.writeUInt32LE(data.length, 40);
  data.copy(out, 44);
  return out;
}

/** `ms` of silence, as a WAV (8 kHz 16-bit PCM by default). */
export function silenceWav(ms: number, sampleRate = 8000): Buffer {
  return encodeWav(new Int16Array(Math.round((ms * sampleRate) / 1000)), { sampleRate });
}
