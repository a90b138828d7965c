/** The timer port of the replicator, injectable so batching is tested without waiting. */
export interface Scheduler {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Wall-clock milliseconds (skew measurement, log throttling). */
  now(): number;
}

/** The real clock and timers. Timers are unref'd: a pending batch never keeps a process alive. */
export const systemScheduler: Scheduler = {
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms);
    handle.unref();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
  now: () => Date.now(),
};
