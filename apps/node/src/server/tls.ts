import { readFileSync } from 'node:fs';
import { createServer as createPlainServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { ConfigError } from '../config/errors.js';
import type { NodeConfig } from '../config/index.js';

/** How long a client may take to complete the TLS handshake. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/** The PEM material of a TLS listener or client, read from the configured files. */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** When present, clients must present a certificate signed by it. */
  readonly ca?: Buffer;
}

/**
 * Reads one configured file.
 * @throws ConfigError `FILE_UNREADABLE` naming the option, e.g. `network.tls_key_file: cannot read ...`
 */
export function readConfiguredFile(option: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new ConfigError('FILE_UNREADABLE', `${option}: cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
}

/**
 * The client port's TLS material, or undefined when `[network]` configures no
 * certificate (plain TCP). Read once, at start-up.
 * @throws ConfigError naming the option whose file cannot be read
 */
export function loadServerTls(network: NodeConfig['network']): TlsMaterial | undefined {
  if (network.tls_cert_file === undefined || network.tls_key_file === undefined) return undefined;
  const cert = readConfiguredFile('network.tls_cert_file', network.tls_cert_file);
  const key = readConfiguredFile('network.tls_key_file', network.tls_key_file);
  const ca = network.tls_ca_file === undefined ? undefined : readConfiguredFile('network.tls_ca_file', network.tls_ca_file);
  return ca === undefined ? { cert, key } : { cert, key, ca };
}

/** Listener options that require and verify client certificates exactly when a CA is given. */
export function serverTlsOptions(material: TlsMaterial): TlsOptions {
  return {
    cert: material.cert,
    key: material.key,
    minVersion: 'TLSv1.2',
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    ...(material.ca !== undefined ? { ca: material.ca, requestCert: true, rejectUnauthorized: true } : {}),
  };
}

/**
 * The client listener: plain TCP, or TLS when `material` is given. A client
 * that fails the handshake (a plaintext client, an unknown certificate, no
 * certificate where one is required) never reaches `onConnection`: its socket
 * is destroyed and `onRejected` is told why.
 */
export function createClientListener(
  material: TlsMaterial | undefined,
  onConnection: (socket: Socket) => void,
  onRejected: (reason: string, remote: string | undefined) => void,
): Server {
  if (material === undefined) return createPlainServer(onConnection);
  const server = createTlsServer(serverTlsOptions(material), onConnection);
  server.on('tlsClientError', (err: Error & { code?: string }, socket) => {
    onRejected(err.code ?? err.message, socket.remoteAddress);
    socket.destroy();
  });
  return server;
}
