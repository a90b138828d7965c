/** Error codes raised by the benchmark tools. */
export const BenchErrorCode = {
  INVALID_OPTION: 'INVALID_OPTION',
  BAD_PROC_STAT: 'BAD_PROC_STAT',
  BAD_RESP: 'BAD_RESP',
  SERVER_START_FAILED: 'SERVER_START_FAILED',
  CONNECTION_FAILED: 'CONNECTION_FAILED',
  UNKNOWN_SUBCOMMAND: 'UNKNOWN_SUBCOMMAND',
  MISSING_BENCH: 'MISSING_BENCH',
} as const;

/** One of {@link BenchErrorCode}'s values. */
export type BenchErrorCode = (typeof BenchErrorCode)[keyof typeof BenchErrorCode];

/** A failure of the benchmark tools, with a machine-readable `code`. */
export class BenchError extends Error {
  override readonly name = 'BenchError';

  constructor(
    readonly code: BenchErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
