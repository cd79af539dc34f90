/** Time bounds for the containment tests: generous on purpose (two shared cores, workers respawning). */

/** Slack allowed beyond an execution's own limit before its answer counts as late. */
export const SLACK_MS = 3000;

/** Awaits `p` and says how long it took, in milliseconds. */
export async function timed<T>(p: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await p;
  return { value, ms: performance.now() - started };
}

/** Resolves once `check()` is true, or rejects after `ms`. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const until = performance.now() + ms;
  for (;;) {
    if (await check()) return;
    if (performance.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
