/**
 * Errors of call operations, as the script sees them: each crosses into the sandbox as its name
 * and message (`e.name === 'CallEnded'`), and points at the customer's line that called ctx.
 */

/** The call has ended (the caller hung up, the script or a bridge ended it, a limit was reached). */
export class CallEnded extends Error {
  override name = 'CallEnded';
}

/** The operation does not fit the call's state: media before answer(), reject() after it. */
export class CallStateError extends Error {
  override name = 'CallStateError';
}

/** A second operation while one is running (ctx.js throws it first, in the guest; this is the host's guard). */
export class LockstepError extends Error {
  override name = 'LockstepError';
}

/** play() or ivr() named a file that does not exist: the same error on every backend. */
export class AudioNotFoundError extends Error {
  override name = 'AudioNotFoundError';
}

/** The file exists but is not a WAV we can play. */
export class AudioFormatError extends Error {
  override name = 'AudioFormatError';
}
