/** Turns the global options into the client's connection options (TLS files read here). */
import { readFileSync } from 'node:fs';
import type { ClientOptions } from '@merklekv/client';
import { usageError } from './errors.js';
import type { GlobalOptions } from './options.js';

function readPem(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw usageError(`${flag}: cannot read ${path}: ${(error as Error).message}`);
  }
}

/**
 * The connection part of {@link ClientOptions}: host, port, timeout, TLS and credentials.
 * @throws CliError (USAGE) when a PEM file cannot be read, naming the flag
 */
export function connectOptions(opts: GlobalOptions): ClientOptions {
  const tls = opts.tls;
  return {
    host: opts.host,
    port: opts.port,
    timeoutMs: opts.timeoutMs,
    ...(tls !== undefined
      ? {
          tls: {
            ...(tls.ca !== undefined ? { ca: readPem('--cacert', tls.ca) } : {}),
            ...(tls.cert !== undefined ? { cert: readPem('--cert', tls.cert) } : {}),
            ...(tls.key !== undefined ? { key: readPem('--key', tls.key) } : {}),
          },
        }
      : {}),
    ...(opts.password !== undefined ? { password: opts.password } : {}),
    ...(opts.user !== undefined ? { user: opts.user } : {}),
  };
}
