/** A mistake in how the command was called: exit status 2, with a message naming the problem. */
export class UsageError extends Error {
  override name = 'UsageError';
}
