// Exponential backoff of every retry loop (the runner's batches, processes meeting their
// dependencies), with jitter so that processes that failed together do not retry together.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

/** The wait before try `attempt + 1` (0-based `attempt`): initial · 2^attempt, capped, ±25 % jitter. */
export function backoffDelayMs(
  { initialMs, maxMs }: BackoffOptions,
  attempt: number,
  random: () => number = Math.random,
): number {
  return Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20)) * (0.75 + random() * 0.5);
}
