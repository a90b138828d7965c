/** Error codes raised by @merklekv/replication. */
export const ReplicationErrorCode = {
  /** The payload is not valid JSON or fails the change-batch schema. */
  INVALID_PAYLOAD: 'INVALID_PAYLOAD',
  /** The payload is JSON but not ours: no node id, or no format version. */
  FOREIGN_PAYLOAD: 'FOREIGN_PAYLOAD',
  /** The payload carries a format version this build does not understand. */
  UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
  /** The payload is larger than the accepted maximum. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** A publish was attempted while the connection to the broker is down. */
  NOT_CONNECTED: 'NOT_CONNECTED',
  /** The pub/sub connection was closed by its owner. */
  CLOSED: 'CLOSED',
  /** `mqtt.broker_address` is not a URL this package can connect to. */
  INVALID_BROKER_URL: 'INVALID_BROKER_URL',
  /** The broker refused or failed an operation (subscribe, publish). */
  BROKER_ERROR: 'BROKER_ERROR',
  /** A cluster secret is configured and the payload carries no signature. */
  UNSIGNED_PAYLOAD: 'UNSIGNED_PAYLOAD',
  /** The payload's signature does not match (forged, or another secret). */
  BAD_SIGNATURE: 'BAD_SIGNATURE',
  /** An option has a value outside its accepted range. */
  INVALID_OPTION: 'INVALID_OPTION',
} as const;

/** One of {@link ReplicationErrorCode}'s values. */
export type ReplicationErrorCode = (typeof ReplicationErrorCode)[keyof typeof ReplicationErrorCode];

/** The one error class of this package; `code` says what went wrong. */
export class ReplicationError extends Error {
  readonly code: ReplicationErrorCode;

  constructor(code: ReplicationErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReplicationError';
    this.code = code;
  }
}
