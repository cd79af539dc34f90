/** ctx.js's long poll for the call's events (ctx.on, waitFor): resolves with those since the last one. */
import type { Operation } from './operation.js';

export const events: Operation<Record<string, never>> = {
  exclusive: false,
  internal: true,
  afterEnd: 'run',
  parse: () => ({}),
  run: (call) => call.feed.next(),
};
