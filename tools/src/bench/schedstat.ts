/**
 * Linux `/proc/<pid>/task/<tid>/schedstat` (see the kernel's sched-stats.rst):
 * three numbers, the time the thread ran on a CPU (ns), the time it waited on
 * a run queue while runnable (ns), and the time slices it ran. The wait is how
 * long a ready thread was kept off the CPUs by others: on a loaded machine it is
 * where an event loop's unexplained stalls go.
 */
import { readFileSync } from 'node:fs';
import { BenchError, BenchErrorCode } from './errors.js';

/** One thread's scheduler statistics. */
export interface Schedstat {
  readonly runNs: number;
  readonly waitNs: number;
  readonly slices: number;
}

/**
 * Parses the text of a schedstat file.
 * @throws BenchError `BAD_PROC_STAT` when it is not three non-negative integers
 */
export function parseSchedstat(text: string): Schedstat {
  const fields = text.trim().split(/\s+/).map(Number);
  if (fields.length !== 3 || fields.some((f) => !Number.isInteger(f) || f < 0)) {
    throw new BenchError(BenchErrorCode.BAD_PROC_STAT, `Not a schedstat line: '${text.slice(0, 80)}'`);
  }
  const [runNs, waitNs, slices] = fields as [number, number, number];
  return { runNs, waitNs, slices };
}

/** The main thread's (the event loop's) statistics of process `pid`; undefined where /proc does not have them. */
export function mainThreadSchedstat(pid: number): Schedstat | undefined {
  try {
    return parseSchedstat(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Run-queue wait between two readings, in ms (NaN when either is missing). */
export function waitMsBetween(before: Schedstat | undefined, after: Schedstat | undefined): number {
  return before === undefined || after === undefined ? Number.NaN : (after.waitNs - before.waitNs) / 1e6;
}

/** CPU time between two readings, in ms (NaN when either is missing). */
export function runMsBetween(before: Schedstat | undefined, after: Schedstat | undefined): number {
  return before === undefined || after === undefined ? Number.NaN : (after.runNs - before.runNs) / 1e6;
}
