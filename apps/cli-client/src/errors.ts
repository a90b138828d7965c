/**
 * The CLI's exit codes and the one-line error messages behind them:
 * 0 success, 1 the server answered ERROR (or an import line failed),
 * 2 usage error, 3 cannot connect or timed out.
 */
import { ClientError } from '@merklekv/client';

/** Exit codes, by meaning. */
export const EXIT = {
  OK: 0,
  SERVER_ERROR: 1,
  USAGE: 2,
  UNREACHABLE: 3,
} as const;

/** One of {@link EXIT}. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Codes of {@link CliError}. */
export const CLI_ERROR_CODES = { USAGE: 'USAGE', INPUT: 'INPUT' } as const;

/** A mistake on the command line (exit 2) or in an input file. */
export class CliError extends Error {
  readonly code: (typeof CLI_ERROR_CODES)[keyof typeof CLI_ERROR_CODES];

  constructor(code: CliError['code'], message: string) {
    super(message);
    this.name = 'CliError';
    this.code = code;
  }
}

/** A usage error: exit code 2, message printed as `usage: ...` hints. */
export function usageError(message: string): CliError {
  return new CliError(CLI_ERROR_CODES.USAGE, message);
}

/** The exit code an error maps to. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof CliError) return error.code === 'USAGE' ? EXIT.USAGE : EXIT.SERVER_ERROR;
  if (error instanceof ClientError) {
    switch (error.code) {
      case 'SERVER_ERROR':
      case 'UNEXPECTED_REPLY':
        return EXIT.SERVER_ERROR;
      default:
        return EXIT.UNREACHABLE;
    }
  }
  // A ProtocolError from encoding (a key with a space, ...) is the caller's mistake.
  if (error instanceof Error && 'code' in error) return EXIT.USAGE;
  return EXIT.SERVER_ERROR;
}

/** The one-line message for an error, naming the node's `host:port`. */
export function describeError(error: unknown, address: string): string {
  if (error instanceof CliError) return error.message;
  if (error instanceof ClientError) {
    switch (error.code) {
      case 'SERVER_ERROR':
        return `${address}: ERROR: ${error.message}`;
      case 'CONNECTION_FAILED':
      case 'TIMEOUT':
      case 'CONNECTION_CLOSED':
        return error.message.includes(address) ? error.message : `${address}: ${error.message}`;
      default:
        return `${address}: ${error.message}`;
    }
  }
  const text = error instanceof Error ? error.message : String(error);
  return `${address}: ${text}`.replace(/[\r\n]+/g, ' ');
}
