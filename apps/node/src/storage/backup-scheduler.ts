import { systemTimers, type BackupResult, type Timers } from '@merklekv/storage';
import type { Logger } from '../logger.js';

/** A running periodic backup. */
export interface BackupScheduler {
  stop(): void;
}

/** Options of {@link startBackupScheduler}. */
export interface BackupSchedulerOptions {
  /** Hours between backups; 0 = none. */
  readonly intervalHours: number;
  readonly run: () => Promise<BackupResult>;
  readonly logger: Logger;
  /** @default systemTimers (unref'd: a pending backup never keeps the process alive) */
  readonly timers?: Timers;
}

/** The longest delay a timer accepts (2^31 - 1 ms, ~24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs a backup every `intervalHours` (the first one after one interval), logging each result.
 * A failed backup is logged and the next one is tried on schedule.
 */
export function startBackupScheduler(opts: BackupSchedulerOptions): BackupScheduler {
  if (opts.intervalHours <= 0) return { stop: () => undefined };
  const timers = opts.timers ?? systemTimers;
  const everyMs = Math.min(MAX_TIMER_MS, Math.max(1, Math.round(opts.intervalHours * 3_600_000)));
  let stopped = false;
  let handle: unknown;
  const due = (): void => {
    if (stopped) return;
    handle = timers.setTimeout(due, everyMs); // on schedule, however long this backup takes
    opts.run().then(
      (b) => opts.logger.info({ path: b.path, bytes: b.bytes, ms: Math.round(b.ms), pruned: b.pruned.length }, 'backup written'),
      (err: unknown) => opts.logger.error({ err }, 'backup failed'),
    );
  };
  handle = timers.setTimeout(due, everyMs);
  return {
    stop: () => {
      stopped = true;
      timers.clearTimeout(handle);
    },
  };
}
