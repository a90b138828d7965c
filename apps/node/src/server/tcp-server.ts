import type { Server, Socket } from 'node:net';
import type { Logger } from '../logger.js';
import { Connection, type Execute } from './connection.js';
import { createClientListener, type TlsMaterial } from './tls.js';

/** Limits a reload may change while the server runs. */
export interface ConnectionLimits {
  /** Connections past this get one ERROR line and are closed. */
  readonly maxConnections: number;
  /** Idle connections are closed after this long; 0 = never. */
  readonly idleTimeoutMs: number;
  /** The longest request line; applies to connections opened after a change. */
  readonly maxLineBytes: number;
}

export interface TcpServerOptions extends ConnectionLimits {
  readonly host: string;
  readonly port: number;
  readonly execute: Execute;
  readonly logger: Logger;
  /** Serve TLS with this certificate (and require client certificates when it has a CA). @default plain TCP */
  readonly tls?: TlsMaterial | undefined;
}

export interface ServerCounters {
  accepted: number;
  rejected: number;
  timedOut: number;
  /** Connections that failed the TLS handshake (plaintext clients, bad or missing certificates). */
  tlsRejected: number;
}

/** The client-facing TCP listener: connection limits, idle timeouts, graceful stop. */
export class TcpServer {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  readonly counters: ServerCounters = { accepted: 0, rejected: 0, timedOut: 0, tlsRejected: 0 };
  private limits: ConnectionLimits;

  constructor(private readonly options: TcpServerOptions) {
    this.limits = options;
    this.server = createClientListener(options.tls, (socket) => this.accept(socket), (reason, remote) => {
      this.counters.tlsRejected++;
      options.logger.warn({ remote, reason }, 'connection refused: TLS handshake failed');
    });
  }

  /** Applies new limits: the idle timeout to every open connection, the others to new ones. */
  setLimits(limits: ConnectionLimits): void {
    this.limits = limits;
    for (const connection of this.connections) connection.socket.setTimeout(limits.idleTimeoutMs);
  }

  /** The client port is bound and accepting. */
  get listening(): boolean {
    return this.server.listening;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Binds the port. @throws the listen error (EADDRINUSE, EACCES, ...) */
  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: this.options.host, port: this.options.port, backlog: 1024 }, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        const port = typeof address === 'object' && address ? address.port : this.options.port;
        resolve({ host: this.options.host, port });
      });
    });
  }

  /**
   * Stops accepting, lets every connection receive the replies it is owed,
   * then closes them; connections still open after `graceMs` are destroyed.
   */
  async close(graceMs = 5000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.connections) connection.closeWhenIdle();
    const timer = setTimeout(() => {
      for (const connection of this.connections) connection.socket.destroy();
    }, graceMs);
    timer.unref();
    await closed;
    clearTimeout(timer);
  }

  private accept(socket: Socket): void {
    const { execute, logger } = this.options;
    const { maxConnections, idleTimeoutMs, maxLineBytes } = this.limits;
    if (this.connections.size >= maxConnections) {
      this.counters.rejected++;
      logger.warn({ remote: socket.remoteAddress, limit: maxConnections }, 'connection refused: too many connections');
      socket.on('error', () => socket.destroy());
      socket.end(`ERROR: Too many connections (limit ${maxConnections})\r\n`);
      return;
    }
    this.counters.accepted++;
    const connection = new Connection(socket, execute, maxLineBytes, (idle) => {
      this.counters.timedOut++;
      idle.closeIdle(`ERROR: Connection idle for more than ${idleTimeoutMs / 1000} s, closing\r\n`);
    });
    if (idleTimeoutMs > 0) socket.setTimeout(idleTimeoutMs);
    this.connections.add(connection);
    socket.once('close', () => this.connections.delete(connection));
  }
}
