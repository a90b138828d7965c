/**
 * The logging port of every package (pino-compatible). Packages never write to
 * the console: the caller injects a logger; the default discards everything.
 * It lives here, in the lowest package both replication and anti-entropy depend on.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A logger that drops every line (the default). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
