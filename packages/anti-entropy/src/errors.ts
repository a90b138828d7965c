/**
 * Every error code this package throws. Callers switch on `code`, never on
 * the message.
 */
export const AntiEntropyErrorCode = {
  /** A peer address is not `host:port` with a port in 1..65535. */
  INVALID_ADDRESS: 'INVALID_ADDRESS',
  /** An option is out of range (an interval of 0, a concurrency of 0, ...). */
  INVALID_OPTION: 'INVALID_OPTION',
  /** A peer answered something the protocol does not allow. */
  PEER_PROTOCOL: 'PEER_PROTOCOL',
  /** A session with a peer failed; `cause` holds the underlying error. */
  SYNC_FAILED: 'SYNC_FAILED',
  /** A session was aborted (the scheduler was stopped). */
  ABORTED: 'ABORTED',
  /** The scheduler was stopped; no new session starts. */
  STOPPED: 'STOPPED',
} as const;

/** One of {@link AntiEntropyErrorCode}'s values. */
export type AntiEntropyErrorCode = (typeof AntiEntropyErrorCode)[keyof typeof AntiEntropyErrorCode];

/** The one error class of `@merklekv/anti-entropy`; `code` says what went wrong. */
export class AntiEntropyError extends Error {
  override readonly name = 'AntiEntropyError';

  constructor(
    readonly code: AntiEntropyErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
