import type { StorageError } from './errors.js';

/** How an engine's writes are going ({@link StorageEngine.writeStatus}). */
export interface WriteStatus {
  /** The last batch failed: changes wait in the queue and are retried with backoff. */
  readonly failing: boolean;
  /** Batches the engine failed to write so far (every retry counts). */
  readonly failures: number;
  /** Changes (distinct keys) not yet durable: waiting, or with the engine now. */
  readonly queued: number;
  /** The bound on `queued`: past it, writes are refused with `Storage unavailable`. */
  readonly queueLimit: number;
  /** The message of the failure while `failing`. */
  readonly lastError: string | undefined;
}

/** What an engine's write queue reports as it happens: each failed batch, and the recovery. */
export type WriteStatusEvent =
  | {
      readonly kind: 'failed';
      readonly engine: string;
      /** `UNAVAILABLE`, the engine's error as its cause. */
      readonly error: StorageError;
      /** Consecutive failures so far (1 = the first). */
      readonly attempt: number;
      readonly queued: number;
      readonly retryInMs: number;
    }
  | {
      readonly kind: 'recovered';
      readonly engine: string;
      /** How long writes failed, in ms. */
      readonly downMs: number;
      /** Failed attempts before this success. */
      readonly failures: number;
    };

/** Hears {@link WriteStatusEvent}s (the node logs them). */
export type WriteStatusListener = (event: WriteStatusEvent) => void;
