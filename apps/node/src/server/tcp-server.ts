import type { Server, Socket } from 'node:net';
import type { Logger } from '../logger.js';
import { Connection, type Execute } from './connection.js';
import { IdleSweep, sweepPeriodMs } from './idle-sweep.js';
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
  /** Idle connections, found by a sweep rather than a timer per socket (idle-sweep.ts). */
  private readonly idle: IdleSweep<ServedConnection>;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweepEveryMs = 0;

  /** @throws TypeError without `execute` or `wire` (nothing could serve a connection). */
  constructor(private readonly options: TcpServerOptions) {
    if (options.execute === undefined && options.wire === undefined) throw new TypeError('TcpServer needs execute (text protocol) or wire');
    this.limits = options;
    this.idle = new IdleSweep(options.idleTimeoutMs);
    this.server = createClientListener(options.tls, (socket) => this.accept(socket), (reason, remote) => {
      this.counters.tlsRejected++;
      options.logger.warn({ remote, reason }, 'connection refused: TLS handshake failed');
    });
  }

  /** Applies new limits: the idle timeout to every open connection, the others to new ones. */
  setLimits(limits: ConnectionLimits): void {
    this.limits = limits;
    this.idle.timeoutMs = limits.idleTimeoutMs;
    this.idle.restart(performance.now());
    this.scheduleSweep();
  }

  /** Runs the idle sweep while there are connections and a timeout (its period follows the timeout). */
  private scheduleSweep(): void {
    const every = this.limits.idleTimeoutMs > 0 && this.idle.size > 0 ? sweepPeriodMs(this.limits.idleTimeoutMs) : 0;
    if (every === this.sweepEveryMs) return;
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    this.sweepEveryMs = every;
    if (every === 0) return;
    this.sweepTimer = setInterval(() => {
      for (const connection of this.idle.due(performance.now(), (c) => c.socket)) this.onIdle(connection);
    }, every);
    this.sweepTimer.unref();
  }

  private onIdle(idle: ServedConnection): void {
    this.counters.timedOut++;
    const wire = this.options.wire;
    const seconds = this.limits.idleTimeoutMs / 1000;
    idle.closeIdle(wire ? wire.idle(seconds) : `ERROR: Connection idle for more than ${seconds} s, closing\r\n`);
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
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    this.sweepEveryMs = 0;
  }

  private accept(socket: Socket): void {
    const { execute, logger } = this.options;
    const { maxConnections, maxLineBytes } = this.limits;
    if (this.connections.size >= maxConnections) {
      this.counters.rejected++;
      logger.warn({ remote: socket.remoteAddress, limit: maxConnections }, 'connection refused: too many connections');
      socket.on('error', () => socket.destroy());
      const wire = this.options.wire;
      socket.end(wire ? wire.tooManyConnections(maxConnections) : `ERROR: Too many connections (limit ${maxConnections})\r\n`);
      return;
    }
    this.counters.accepted++;
    const onIdle = (idle: ServedConnection): void => this.onIdle(idle);
    const connection = this.options.wire ? this.options.wire.open(socket, maxLineBytes, onIdle) : new Connection(socket, execute as Execute, maxLineBytes, onIdle);
    this.connections.add(connection);
    this.idle.add(connection, socket, performance.now());
    this.scheduleSweep();
    socket.once('close', () => {
      this.connections.delete(connection);
      this.idle.remove(connection);
      this.scheduleSweep();
    });
  }
}
