/** Why a configuration was refused. */
export const ConfigErrorCode = {
  FILE_UNREADABLE: 'FILE_UNREADABLE',
  TOML_SYNTAX: 'TOML_SYNTAX',
  INVALID_OPTION: 'INVALID_OPTION',
  INVALID_ENV: 'INVALID_ENV',
} as const;
export type ConfigErrorCode = (typeof ConfigErrorCode)[keyof typeof ConfigErrorCode];

/** A configuration that cannot be used; the message names the option and the problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly code: ConfigErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
