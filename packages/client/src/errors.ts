/**
 * The client's typed errors. Every failure a caller can see is one of these,
 * with a stable `code` to branch on:
 *
 * - `ServerError` — the server answered `ERROR: ...` (the connection is fine).
 * - `ConnectionError` — the client could not (re)connect and gave up.
 * - `TimeoutError` — no reply within `timeoutMs`; the connection is dropped.
 * - `ConnectionClosedError` — the connection closed with the request in flight,
 *   or the client was closed.
 * - `UnexpectedReplyError` — the server answered something this client does not
 *   understand (a version mismatch or a bug).
 */

/** Every error code the client produces. */
export const CLIENT_ERROR_CODES = {
  SERVER_ERROR: 'SERVER_ERROR',
  CONNECTION_FAILED: 'CONNECTION_FAILED',
  TIMEOUT: 'TIMEOUT',
  CONNECTION_CLOSED: 'CONNECTION_CLOSED',
  CLIENT_CLOSED: 'CLIENT_CLOSED',
  UNEXPECTED_REPLY: 'UNEXPECTED_REPLY',
  AUTH_FAILED: 'AUTH_FAILED',
} as const;

/** One of {@link CLIENT_ERROR_CODES}. */
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[keyof typeof CLIENT_ERROR_CODES];

/** Base class of every error the client rejects with. */
export class ClientError extends Error {
  readonly code: ClientErrorCode;

  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The server answered `ERROR: <serverMessage>` to a request. */
export class ServerError extends ClientError {
  /** The server's message, without the `ERROR: ` prefix. */
  readonly serverMessage: string;

  constructor(serverMessage: string) {
    super(CLIENT_ERROR_CODES.SERVER_ERROR, serverMessage);
    this.serverMessage = serverMessage;
  }
}

/** The node failed to prove it holds the cluster secret during the peer handshake. */
export class AuthenticationError extends ClientError {
  readonly address: string;

  constructor(address: string, reason: string) {
    super(CLIENT_ERROR_CODES.AUTH_FAILED, `Peer authentication with ${address} failed: ${reason}`);
    this.address = address;
  }
}

/** The client could not connect to `host:port` (after the retry policy gave up). */
export class ConnectionError extends ClientError {
  readonly address: string;

  constructor(address: string, options?: { cause?: unknown; attempts?: number }) {
    const reason = describeCause(options?.cause);
    const tries = options?.attempts !== undefined && options.attempts > 1 ? ` after ${options.attempts} attempts` : '';
    super(CLIENT_ERROR_CODES.CONNECTION_FAILED, `Cannot connect to ${address}${tries}${reason}`, options);
    this.address = address;
  }
}

/** No reply arrived within `timeoutMs`. */
export class TimeoutError extends ClientError {
  readonly address: string;
  readonly timeoutMs: number;

  constructor(address: string, timeoutMs: number) {
    super(CLIENT_ERROR_CODES.TIMEOUT, `No reply from ${address} within ${timeoutMs} ms`);
    this.address = address;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The connection closed while the request was in flight (code
 * `CONNECTION_CLOSED`: the request may or may not have been applied), or the
 * client was closed before the request was sent (code `CLIENT_CLOSED`).
 */
export class ConnectionClosedError extends ClientError {
  readonly address: string;

  constructor(address: string, options?: { cause?: unknown; clientClosed?: boolean }) {
    const clientClosed = options?.clientClosed === true;
    super(
      clientClosed ? CLIENT_ERROR_CODES.CLIENT_CLOSED : CLIENT_ERROR_CODES.CONNECTION_CLOSED,
      clientClosed
        ? `Client for ${address} is closed`
        : `Connection to ${address} closed before the reply arrived${describeCause(options?.cause)}`,
      options,
    );
    this.address = address;
  }
}

/** The server's reply does not have the shape the command expects. */
export class UnexpectedReplyError extends ClientError {
  readonly reply: string;

  constructor(command: string, reply: string) {
    super(CLIENT_ERROR_CODES.UNEXPECTED_REPLY, `Unexpected reply to ${command}: ${JSON.stringify(reply.slice(0, 200))}`);
    this.reply = reply;
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return `: ${code ?? cause.message}`;
  }
  return '';
}
