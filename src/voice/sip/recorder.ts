/** A call's recording: both directions mixed, as 8 kHz 16-bit mono, placed by the time they passed. */
import fs from 'node:fs';
import path from 'node:path';
import { encodeWav } from '../media/wav.js';

export class Recorder {
  readonly #chunks: { at: number; samples: Int16Array }[] = [];
  #end = 0;
  constructor(
    readonly file: string,
    readonly startMs: number,
  ) {}

  add(nowMs: number, samples: Int16Array): void {
    const at = Math.max(0, Math.round((nowMs - this.startMs) * 8) - samples.length);
    this.#chunks.push({ at, samples });
    this.#end = Math.max(this.#end, at + samples.length);
  }

  /** Writes the WAV, as long as the time recorded (silence where nothing passed). */
  save(nowMs: number): void {
    const total = Math.max(this.#end, Math.round((nowMs - this.startMs) * 8));
    const mix = new Int32Array(total);
    for (const c of this.#chunks) for (let i = 0; i < c.samples.length && c.at + i < total; i++) mix[c.at + i] += c.samples[i];
    const out = new Int16Array(total);
    for (let i = 0; i < total; i++) out[i] = Math.max(-32768, Math.min(32767, mix[i]));
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.writeFileSync(this.file, encodeWav(out));
  }
}
