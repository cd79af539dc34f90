// The simulator's parts on their own: the scripted caller, the audio files and their lengths, the clock.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AudioDir, AudioFormatError, AudioNotFoundError, STOCK_PROMPTS, encodeWav, parseDestination, parseDigits, silenceWav, speechMs,
} from '../../src/voice/index.js';
import { testRegExp } from '../../src/voice/regexp.js';
import { SimClock } from '../../src/voice/simulator/clock.js';

describe('the scripted caller', () => {
  it('reads digits as DIGITS@MS after the answer; a group is one digit every 200 ms', () => {
    expect(parseDigits('1@1500,2@1700')).toEqual([{ digit: '1', atMs: 1500 }, { digit: '2', atMs: 1700 }]);
    expect(parseDigits('12#@3000, 9@100')).toEqual([
      { digit: '9', atMs: 100 }, { digit: '1', atMs: 3000 }, { digit: '2', atMs: 3200 }, { digit: '#', atMs: 3400 },
    ]);
    expect(() => parseDigits('1500')).toThrow("'1500' is not DIGITS@MS (for example 1@1500 or 1234#@3000)");
    expect(() => parseDigits('x@10')).toThrow(TypeError);
  });

  it('reads how a destination answers', () => {
    expect(parseDestination('busy')).toEqual({ sipCode: 486 });
    expect(parseDestination('no-answer')).toEqual({ sipCode: 480, ringMs: 30_000 });
    expect(parseDestination('404')).toEqual({ sipCode: 404 });
    expect(parseDestination('answer')).toEqual({});
    expect(parseDestination('answer:5000:2000')).toEqual({ talkMs: 5000, ringMs: 2000 });
    expect(() => parseDestination('maybe')).toThrow(TypeError);
  });
});

describe('audio files', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-audio-unit-'));
  fs.mkdirSync(path.join(root, 'ivr'));
  fs.mkdirSync(path.join(root, 'user'));
  const audio = new AudioDir(root);

  it('knows a WAV file\'s length from its header, in any telephony encoding', () => {
    fs.writeFileSync(path.join(root, 'ivr/welcome.wav'), silenceWav(2340));
    expect(audio.info('ivr/welcome.wav')).toMatchObject({ durationMs: 2340, format: 1, sampleRate: 8000, channels: 1 });
    fs.writeFileSync(path.join(root, 'user/ulaw.wav'), encodeWav(new Uint8Array(12_000).fill(0xff), { encoding: 'mulaw' }));
    expect(audio.info('user/ulaw.wav')).toMatchObject({ durationMs: 1500, format: 7 });
    // a LIST chunk before the data, as many editors write
    const wav = silenceWav(500);
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([5, 0, 0, 0]), Buffer.from('INFOx'), Buffer.from([0])]);
    fs.writeFileSync(path.join(root, 'user/tagged'), Buffer.concat([wav.subarray(0, 36), list, wav.subarray(36)]));
    expect(audio.info('user/tagged').durationMs).toBe(500);
  });

  it('fails the same clear way for a missing file, a bad name, or a file that is no WAV', () => {
    expect(() => audio.info('ivr/menu.wav')).toThrow(AudioNotFoundError);
    expect(() => audio.info('ivr/menu.wav')).toThrow(`Audio file 'ivr/menu.wav' not found (the stock prompts are ${Object.keys(STOCK_PROMPTS).join(', ')})`);
    expect(() => audio.info('user/x')).toThrow("Audio file 'user/x' not found (upload it first)");
    for (const bad of ['../etc/passwd', 'ivr/../../x.wav', 'ivr/menu.mp3', 'sounds/a.wav', 'user/', '/user/a']) {
      expect(() => audio.info(bad)).toThrow(TypeError);
    }
    fs.writeFileSync(path.join(root, 'user/notes.txt'), 'hello');
    expect(() => audio.info('user/notes.txt')).toThrow(AudioFormatError);
  });
});

describe('speech and patterns', () => {
  it('speech takes 400 ms a word at 150 words a minute, plus pauses', () => {
    expect(speechMs('Thank you.')).toBe(1100);
    expect(speechMs('Hello, world')).toBe(950);
    expect(speechMs('one two three', 100)).toBe(1800);
    expect(speechMs('')).toBe(0);
  });

  it('a catastrophic regular expression is stopped, not left to hang the host', () => {
    expect(testRegExp('^\\d{4}$', '', '1234')).toBe(true);
    expect(testRegExp('^\\d{4}$', '', '12345')).toBe(false);
    const started = performance.now();
    expect(testRegExp('^(\\d+)+$', '', `${'1'.repeat(40)}#`)).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('the simulated clock', () => {
  const tick = () => new Promise((r) => setTimeout(r, 20));

  it('jumps to its events in order while the script waits, one at a time', async () => {
    const clock = new SimClock();
    const seen: [string, number][] = [];
    clock.after(60_000, () => seen.push(['b', Math.round(clock.now())]));
    clock.after(1_000, () => seen.push(['a', Math.round(clock.now())]));
    const cancel = clock.after(30_000, () => seen.push(['never', 0]));
    cancel();
    clock.waiting(true);
    await tick();
    expect(seen).toEqual([['a', 1000], ['b', 60_000]]);
    clock.close();
  });

  it('runs at real speed while the script runs', async () => {
    const clock = new SimClock();
    let fired = false;
    clock.after(5_000, () => (fired = true));
    await tick();
    expect(fired).toBe(false);
    expect(clock.now()).toBeLessThan(1000);
    clock.waiting(true);
    await tick();
    expect(fired).toBe(true);
    clock.close();
  });
});
