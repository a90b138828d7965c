import type { WriteStatusEvent, WriteStatusListener } from '@merklekv/storage';
import type { Logger } from '../logger.js';

/** While an engine keeps failing, one error line at most this often (the first failure is always logged). */
export const FAILURE_LOG_INTERVAL_MS = 10_000;

/**
 * Logs what an engine's write queue reports: the first failed batch at error level with what to
 * do, further failures at most every {@link FAILURE_LOG_INTERVAL_MS} (with how many were not
 * logged), and the recovery.
 */
export function logWriteStatus(logger: Logger, now: () => number = Date.now): WriteStatusListener {
  let lastLogged = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (event: WriteStatusEvent) => {
    if (event.kind === 'recovered') {
      logger.warn({ engine: event.engine, down_ms: event.downMs, failed_attempts: event.failures }, 'storage writes recovered: the queued changes were written');
      lastLogged = Number.NEGATIVE_INFINITY;
      suppressed = 0;
      return;
    }
    const at = now();
    if (event.attempt > 1 && at - lastLogged < FAILURE_LOG_INTERVAL_MS) {
      suppressed++;
      return;
    }
    lastLogged = at;
    logger.error(
      { engine: event.engine, err: event.error.cause ?? event.error, attempt: event.attempt, queued: event.queued, retry_in_ms: event.retryInMs, suppressed },
      `storage write failed: changes stay queued and are retried; check that the ${event.engine} engine is reachable and has room`,
    );
    suppressed = 0;
  };
}
