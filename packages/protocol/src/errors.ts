/**
 * The one error class of the protocol package. Every problem a request line can
 * have maps to one code; the server replies `ERROR: ${message}`.
 */

/** Every {@link ProtocolError} code, with what it means. */
export const PROTOCOL_ERROR_CODES = {
  /** The first word of the line is not a command the protocol knows. */
  INVALID_COMMAND: 'INVALID_COMMAND',
  /** A required argument is missing. */
  MISSING_ARGUMENTS: 'MISSING_ARGUMENTS',
  /** More arguments than the command takes. */
  TOO_MANY_ARGUMENTS: 'TOO_MANY_ARGUMENTS',
  /** An argument is malformed or out of range (amount, count, path, timestamp, peer, ...). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** A key (or node id, or cursor) breaks the key rules. */
  INVALID_KEY: 'INVALID_KEY',
  /** A quoted value is malformed (unterminated, bad escape, text after the closing quote). */
  INVALID_VALUE: 'INVALID_VALUE',
  /** A line is longer than the configured maximum. */
  LINE_TOO_LONG: 'LINE_TOO_LONG',
  /** The line holds no command at all (only spaces). */
  EMPTY_LINE: 'EMPTY_LINE',
} as const;

/** A {@link ProtocolError} code. */
export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[keyof typeof PROTOCOL_ERROR_CODES];

/**
 * A request or reply line that breaks the protocol. `message` is the text the
 * server sends after `ERROR: `; it never holds CR or LF.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';

  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
