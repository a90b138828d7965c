import type { BackupResult } from '@merklekv/storage';
import type { Logger } from '../logger.js';

/** A running periodic backup. */
export interface BackupScheduler {
  /** No further backups; resolves once a backup in progress has finished (so the store can close after it). */
  stop(): Promise<void>;
}

/** Options of {@link startBackupScheduler}. */
export interface BackupSchedulerOptions {
  /** Hours between backups; 0 = none. */
  readonly intervalHours: number;
  readonly run: () => Promise<BackupResult>;
  readonly logger: Logger;
}

/** The longest delay setTimeout accepts (2^31 - 1 ms, ~24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs a backup every `intervalHours` (the first one after one interval), logging each result.
 * The next one is scheduled only once the previous one has finished, so backups never overlap
 * however long one takes. A failed backup is logged and the next one is tried on schedule.
 */
export function startBackupScheduler(opts: BackupSchedulerOptions): BackupScheduler {
  if (opts.intervalHours <= 0) return { stop: async () => undefined };
  const everyMs = Math.min(MAX_TIMER_MS, Math.max(1, Math.round(opts.intervalHours * 3_600_000)));
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      running = opts
        .run()
        .then(
          (b) => opts.logger.info({ path: b.path, bytes: b.bytes, ms: Math.round(b.ms), pruned: b.pruned.length }, 'backup written'),
          (err: unknown) => opts.logger.error({ err }, 'backup failed'),
        )
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, everyMs);
    timer.unref();
  };
  schedule();
  return {
    stop: async () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
