/** ctx.play(file): plays a stock prompt (`ivr/NAME.wav`) or an upload (`user/NAME`); resolves with {ms}. */
import { audioPath } from '../audio.js';
import { str, type Operation } from './operation.js';

export const play: Operation<{ file: string }> = {
  exclusive: true,
  needs: 'answered',
  parse: ([file]) => {
    const f = str(file, 'ctx.play(file): file');
    audioPath(f);
    return { file: f };
  },
  run: (call, a) => call.guard(call.backend.play(a.file, call.signal)),
};
