/** Every error code a {@link StorageError} can carry. */
export const StorageErrorCode = {
  /** A write would pass the configured memory limit (`memory_limit_mb`). */
  STORAGE_FULL: 'STORAGE_FULL',
  /** INCR/DECR on a value that is not a canonical 64-bit signed integer. */
  NOT_AN_INTEGER: 'NOT_AN_INTEGER',
  /** INCR/DECR whose result does not fit a 64-bit signed integer. */
  INTEGER_OVERFLOW: 'INTEGER_OVERFLOW',
  /** A bad argument from the caller (an increment out of range, a scan count below 1, ...). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** A version handed to `merge` that no node could have written (bad ts, a tombstone with a value). */
  INVALID_VERSION: 'INVALID_VERSION',
  /** A persisted record that cannot be decoded (a damaged or foreign file / Redis value). */
  CORRUPT_RECORD: 'CORRUPT_RECORD',
  /** A storage engine failed to open, write, load or back up (the cause says why). */
  ENGINE_FAILED: 'ENGINE_FAILED',
  /**
   * The engine cannot take writes now (`Storage unavailable (...)`): a failed write is queued and
   * retried, a `sync = "always"` write is refused, and past the queue's bound every write is.
   */
  UNAVAILABLE: 'UNAVAILABLE',
} as const;

/** The union of {@link StorageErrorCode} values. */
export type StorageErrorCode = (typeof StorageErrorCode)[keyof typeof StorageErrorCode];

/** An error raised by the store; `code` says which, `message` is fit to show a client. */
export class StorageError extends Error {
  override readonly name = 'StorageError';

  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** `Storage full` (the exact text SPEC.md's `ERROR: Storage full` reply carries). */
export function storageFull(): StorageError {
  return new StorageError(StorageErrorCode.STORAGE_FULL, 'Storage full');
}

/** `value of 'k' is not an integer`. */
export function notAnInteger(key: string): StorageError {
  return new StorageError(StorageErrorCode.NOT_AN_INTEGER, `value of '${key}' is not an integer`);
}

/** `increment would overflow a 64-bit signed integer`. */
export function integerOverflow(): StorageError {
  return new StorageError(StorageErrorCode.INTEGER_OVERFLOW, 'increment would overflow a 64-bit signed integer');
}
