/**
 * The timer port: everything here that waits goes through it, so tests drive
 * time with fake timers and nothing keeps a process alive on its own.
 */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The global timers, unref'd (a pending sync never keeps the process alive). */
export const systemTimers: Timers = {
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms);
    handle.unref?.();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/**
 * `baseMs` moved by a random fraction of at most ±`fraction` (0.2 = ±20%), so
 * that nodes started together do not sync in lockstep. `random` returns
 * [0, 1) like Math.random. Never below 1 ms.
 */
export function jitteredDelay(baseMs: number, fraction: number, random: () => number): number {
  const factor = 1 + fraction * (2 * random() - 1);
  return Math.max(1, Math.round(baseMs * factor));
}
