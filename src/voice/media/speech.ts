/**
 * How long speech takes: text to speech has to last as long on the simulator as it will on a
 * real call, where espeak-ng speaks it. Words at the speaking rate, plus the pauses punctuation makes.
 */
export const DEFAULT_WORDS_PER_MINUTE = 150;
const SENTENCE_PAUSE_MS = 300;
const COMMA_PAUSE_MS = 150;

export function speechMs(text: string, wordsPerMinute = DEFAULT_WORDS_PER_MINUTE): number {
  const words = text.match(/[\p{L}\p{N}]+(?:['’]\p{L}+)*/gu)?.length ?? 0;
  const sentences = text.match(/[.!?;:](?=\s|$)/g)?.length ?? 0;
  const commas = text.match(/,(?=\s|$)/g)?.length ?? 0;
  return Math.round((words * 60_000) / wordsPerMinute + sentences * SENTENCE_PAUSE_MS + commas * COMMA_PAUSE_MS);
}
