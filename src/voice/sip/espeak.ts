/**
 * Text to speech with espeak-ng: rendered to a WAV, resampled to 8 kHz 16-bit mono, cached by a
 * hash of the text, voice and rate (renders of the same text at once share one espeak-ng run). The
 * stock prompts (STOCK_PROMPTS) are rendered into the audio folder once, when missing.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { STOCK_PROMPTS } from '../audio.js';
import { DEFAULT_WORDS_PER_MINUTE } from '../media/speech.js';
import { encodeWav } from '../media/wav.js';
import { RATE, readPcm8k } from './pcm.js';

export const ESPEAK = process.env.SCRIPTFORGE_ESPEAK ?? 'espeak-ng';
const VOICE = /^[a-z]{2,3}(-[a-z0-9]{1,8})*(\+[a-z0-9]+)?$/i;

export class SpeechUnavailableError extends Error {
  override name = 'SpeechUnavailableError';
}

/** Renders `text` with espeak-ng to an 8 kHz WAV at `file`. */
export async function renderSpeech(text: string, file: string, o: { rate?: number; voice?: string } = {}): Promise<void> {
  const voice = o.voice ?? 'en-us';
  if (!VOICE.test(voice)) throw new TypeError(`'${voice}' is not a voice name (such as 'en-us')`);
  const rate = Math.max(80, Math.min(450, Math.round(o.rate ?? DEFAULT_WORDS_PER_MINUTE)));
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(ESPEAK, ['-v', voice, '-s', String(rate), '-w', tmp, '--', text], { timeout: 30_000 }, (err) => {
        if ((err as NodeJS.ErrnoException | null)?.code === 'ENOENT') reject(new SpeechUnavailableError(`${ESPEAK} is not installed (Debian package espeak-ng): text to speech is not available`));
        else if (err) reject(new Error(`espeak-ng failed: ${err.message}`));
        else resolve();
      });
    });
    const pcm = readPcm8k(tmp, 'Speech');
    await fs.promises.writeFile(tmp, encodeWav(pcm, { sampleRate: RATE }));
    await fs.promises.rename(tmp, file);
  } finally {
    await fs.promises.rm(tmp, { force: true });
  }
}

/** Cached speech, under `dir`. */
export class SpeechCache {
  readonly #pending = new Map<string, Promise<string>>();
  constructor(readonly dir: string) {}

  /** The 8 kHz WAV of `text`, rendered when not cached yet. */
  async file(text: string, o: { rate?: number; voice?: string } = {}): Promise<string> {
    const key = createHash('sha256').update(JSON.stringify([o.voice ?? 'en-us', o.rate ?? DEFAULT_WORDS_PER_MINUTE, text])).digest('hex').slice(0, 32);
    const file = path.join(this.dir, `${key}.wav`);
    if (fs.existsSync(file)) return file;
    let p = this.#pending.get(key);
    if (!p) {
      p = renderSpeech(text, file, o).then(() => file).finally(() => this.#pending.delete(key));
      this.#pending.set(key, p);
    }
    return p;
  }
}

/** Renders the stock prompts missing from `audioRoot/ivr/`; returns the names rendered. */
export async function ensureStockPrompts(audioRoot: string): Promise<string[]> {
  const made: string[] = [];
  for (const [name, text] of Object.entries(STOCK_PROMPTS)) {
    const file = path.join(audioRoot, name);
    if (fs.existsSync(file)) continue;
    await renderSpeech(text, file);
    made.push(name);
  }
  return made;
}
