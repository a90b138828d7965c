/**
 * The timer port every package that waits takes by injection (the storage
 * write-behind window, the replicator's batches, anti-entropy's schedule), so
 * tests drive time with one fake clock (`@merklekv/test-support`'s FakeClock)
 * and nothing keeps a process alive on its own.
 */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Wall-clock milliseconds (skew measurement, log throttling). */
  now(): number;
}

/** The real clock and timers. Timers are unref'd: a pending timer never keeps a process alive. */
export const systemTimers: Timers = {
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms);
    handle.unref?.();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
  now: () => Date.now(),
};
