/** ctx.tts(text, {rate, voice}): speaks text; resolves with {ms}. */
import { num, optionalStr, str, type Operation } from './operation.js';

export const tts: Operation<{ text: string; rate?: number; voice?: string }> = {
  exclusive: true,
  needs: 'answered',
  parse: ([text, opts]) => {
    const o = (opts !== null && typeof opts === 'object' ? opts : {}) as Record<string, unknown>;
    return {
      text: str(text, 'ctx.tts(text): text', { max: 4000 }),
      rate: o.rate === undefined ? undefined : num(o.rate, 'ctx.tts(text, {rate}): rate (words per minute)', { min: 80, max: 450 }),
      voice: optionalStr(o.voice, 'ctx.tts(text, {voice}): voice', { max: 64 }),
    };
  },
  run: (call, a) => call.guard(call.backend.tts(a.text, { rate: a.rate, voice: a.voice }, call.signal)),
};
