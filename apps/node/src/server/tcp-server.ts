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

/** What the server needs of a connection, whatever wire format it speaks. */
export interface ServedConnection {
  readonly socket: Socket;
  /** Stops reading; closes once every owed reply is written. */
  closeWhenIdle(): void;
  /** Closes an idle connection with a last message. */
  closeIdle(message: string): void;
}

/** A wire format's own connection and wording of the server's refusals (the RESP port's, say). */
export interface WireFormat {
  readonly open: (socket: Socket, maxLineBytes: number, onIdle: (connection: ServedConnection) => void) => ServedConnection;
  readonly tooManyConnections: (limit: number) => string;
  readonly idle: (seconds: number) => string;
}

export interface TcpServerOptions extends ConnectionLimits {
  readonly host: string;
  readonly port: number;
  /** Runs text-protocol requests; needed unless `wire` is given. */
  readonly execute?: Execute;
  /** Serve another wire format than the text protocol. @default the text protocol */
  readonly wire?: WireFormat;
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
  private readonly connections = new Set<ServedConnection>();
  readonly counters: ServerCounters = { accepted: 0, rejected: 0, timedOut: 0, tlsRejected: 0 };
  private limits: ConnectionLimits;

  /** @throws TypeError without `execute` or `wire` (nothing could serve a connection). */
  constructor(private readonly options: TcpServerOptions) {
    if (options.execute === undefined && options.wire === undefined) throw new TypeError('TcpServer needs execute (text protocol) or wire');
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
      const wire = this.options.wire;
      socket.end(wire ? wire.tooManyConnections(maxConnections) : `ERROR: Too many connections (limit ${maxConnections})\r\n`);
      return;
    }
    this.counters.accepted++;
    const onIdle = (idle: ServedConnection): void => {
      this.counters.timedOut++;
      const wire = this.options.wire;
      idle.closeIdle(wire ? wire.idle(idleTimeoutMs / 1000) : `ERROR: Connection idle for more than ${idleTimeoutMs / 1000} s, closing\r\n`);
    };
    const connection = this.options.wire ? this.options.wire.open(socket, maxLineBytes, onIdle) : new Connection(socket, execute as Execute, maxLineBytes, onIdle);
    if (idleTimeoutMs > 0) socket.setTimeout(idleTimeoutMs);
    this.connections.add(connection);
    socket.once('close', () => this.connections.delete(connection));
  }
}
