/** Error codes of the e2e harness. */
export const E2E_ERROR_CODES = {
  TIMEOUT: 'TIMEOUT',
  START_FAILED: 'START_FAILED',
  NOT_CONVERGED: 'NOT_CONVERGED',
  CHECK_FAILED: 'CHECK_FAILED',
  INVALID_STATE: 'INVALID_STATE',
} as const;

/** One of {@link E2E_ERROR_CODES}. */
export type E2eErrorCode = (typeof E2E_ERROR_CODES)[keyof typeof E2E_ERROR_CODES];

/** An error raised by the harness itself (not by the system under test). */
export class E2eError extends Error {
  readonly code: E2eErrorCode;

  constructor(code: E2eErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'E2eError';
    this.code = code;
  }
}
