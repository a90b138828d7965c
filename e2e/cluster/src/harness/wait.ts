import { E2eError } from './errors.js';

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Options of {@link waitFor}. */
export interface WaitOptions {
  /** Give up after this long. */
  readonly timeoutMs: number;
  /** Pause between probes. @default 100 */
  readonly intervalMs?: number;
}

/**
 * Polls `probe` until it returns something other than `undefined` (a throw
 * counts as "not yet"), bounded by `timeoutMs`.
 * @throws E2eError `TIMEOUT`, naming `what` and the last probe error
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, opts: WaitOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new E2eError('TIMEOUT', `timed out after ${opts.timeoutMs} ms waiting for ${what}${why}`, { cause: lastError });
    }
    await sleep(opts.intervalMs ?? 100);
  }
}

/** Races `promise` against a deadline. @throws E2eError `TIMEOUT` */
export async function withTimeout<T>(what: string, promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new E2eError('TIMEOUT', `${what} took longer than ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
