/**
 * Reconnect policies. A policy is a plain function: given the number of the
 * failed attempt (1, 2, ...), it returns the milliseconds to wait before the
 * next one, or `null` to give up — so it can be tested without waiting.
 */

/** Decides the delay before reconnect attempt `attempt + 1`; `null` gives up. */
export type RetryStrategy = (attempt: number) => number | null;

/** Options of {@link exponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /** Delay after the first failed attempt. @default 50 */
  readonly baseMs?: number;
  /** Upper bound of one delay. @default 2000 */
  readonly maxMs?: number;
  /** Failed attempts after which the client gives up. @default 10 */
  readonly maxAttempts?: number;
}

/**
 * `baseMs × 2^(attempt-1)`, capped at `maxMs`, giving up after `maxAttempts`
 * failed attempts.
 */
export function exponentialBackoff(opts: ExponentialBackoffOptions = {}): RetryStrategy {
  const baseMs = opts.baseMs ?? 50;
  const maxMs = opts.maxMs ?? 2000;
  const maxAttempts = opts.maxAttempts ?? 10;
  return (attempt) => (attempt >= maxAttempts ? null : Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1)));
}

/** Never retries: the first failed connect rejects the waiting requests. */
export const noRetry: RetryStrategy = () => null;
