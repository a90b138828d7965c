/** Polling and deadlines for tests: every wait is bounded and names what it waited for. */

/** A wait that ran out of time; `code` is always `TIMEOUT`. */
export class WaitTimeoutError extends Error {
  readonly code = 'TIMEOUT';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WaitTimeoutError';
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Options of {@link waitFor}. */
export interface WaitOptions {
  /** Give up after this long. @default 10_000 */
  readonly timeoutMs?: number;
  /** Pause between probes. @default 20 */
  readonly intervalMs?: number;
}

/**
 * Polls `probe` until it returns something other than `undefined` or `false`
 * (a throw counts as "not yet") and resolves with that value; bounded by `timeoutMs`.
 * @throws WaitTimeoutError naming `what` and the last probe error
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  opts: WaitOptions | number = {},
): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 20 } = typeof opts === 'number' ? { timeoutMs: opts } : opts;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new WaitTimeoutError(`timed out after ${timeoutMs} ms waiting for ${what}${why}`, { cause: lastError });
    }
    await sleep(intervalMs);
  }
}

/** Races `promise` against a deadline. @throws WaitTimeoutError */
export async function withTimeout<T>(what: string, promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new WaitTimeoutError(`${what} took longer than ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Lets pending promise callbacks and I/O callbacks run (`rounds` turns of the event loop). */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
