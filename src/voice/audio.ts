/**
 * The audio a call can play: stock prompts `ivr/NAME.wav` and the account's uploads `user/NAME`,
 * as files under one folder (`ivr/` and `user/` in it). Every backend finds files through this,
 * so a missing one fails the same way on the simulator as on a real call.
 *
 * @example
 *   const audio = new AudioDir('./data/audio');
 *   audio.info('ivr/menu.wav').durationMs // 4210, or AudioNotFoundError
 */
import fs from 'node:fs';
import path from 'node:path';
import { AudioNotFoundError } from './errors.js';
import { readWavInfo, type WavInfo } from './media/wav.js';

/** The stock prompts every account may play (rendered once on a server with espeak-ng). */
export const STOCK_PROMPTS: Readonly<Record<string, string>> = Object.freeze({
  'ivr/welcome.wav': 'Welcome.',
  'ivr/enter-pin.wav': 'Please enter your PIN, followed by the hash key.',
  'ivr/invalid.wav': 'Sorry, that is not valid.',
  'ivr/goodbye.wav': 'Goodbye.',
  'ivr/menu.wav': 'For sales, press 1. For support, press 2. For the operator, stay on the line.',
});

export interface AudioInfo extends WavInfo {
  name: string;
  path: string;
}

export interface AudioFiles {
  /** The file behind a name, with its length; AudioNotFoundError when there is none, TypeError for a bad name. */
  info(name: string): AudioInfo;
}

const NAME = /^(ivr|user)\/([A-Za-z0-9][A-Za-z0-9._-]{0,127})$/;

/** The path of an audio name inside the audio folder; throws a TypeError for anything else (no `..`, no other folder). */
export function audioPath(name: string): string {
  const m = NAME.exec(name);
  if (!m || m[2].includes('..') || (m[1] === 'ivr' && !m[2].endsWith('.wav'))) {
    throw new TypeError(`${JSON.stringify(name)} is not an audio file name: use 'ivr/NAME.wav' for a stock prompt or 'user/NAME' for an upload`);
  }
  return `${m[1]}/${m[2]}`;
}

/**
 * Audio files in a folder: `ivr/` holds the stock prompts, `user/` the uploads. `userDir` is where
 * `user/NAME` is found (default ROOT/user): a server gives each account a folder of its own.
 */
export class AudioDir implements AudioFiles {
  readonly userDir: string;

  constructor(readonly root: string, userDir?: string) {
    this.userDir = userDir ?? path.join(root, 'user');
  }

  info(name: string): AudioInfo {
    const rel = audioPath(name);
    const file = rel.startsWith('user/') ? path.join(this.userDir, rel.slice(5)) : path.join(this.root, rel);
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') throw notFound(name);
      throw err;
    }
    try {
      return { name, path: file, ...readWavInfo(fd, `Audio file '${name}'`) };
    } finally {
      fs.closeSync(fd);
    }
  }
}

function notFound(name: string): AudioNotFoundError {
  const hint = name.startsWith('user/')
    ? 'upload it first'
    : `the stock prompts are ${Object.keys(STOCK_PROMPTS).join(', ')}`;
  return new AudioNotFoundError(`Audio file '${name}' not found (${hint})`);
}
