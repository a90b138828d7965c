import { respError } from '@merklekv/protocol';
import type { AccessGate } from '../commands/access.js';
import type { NodeContext, StatsSection } from '../commands/context.js';
import type { LatencySink } from '../commands/dispatch.js';
import type { Logger } from '../logger.js';
import { TcpServer, type ConnectionLimits } from '../server/tcp-server.js';
import type { TlsMaterial } from '../server/tls.js';
import { createRespDispatcher } from './dispatch.js';
import { RespConnection } from './resp-connection.js';
import { ScanCursors } from './scan-cursors.js';

export interface RespListenerOptions {
  readonly node: NodeContext;
  readonly gate: AccessGate;
  readonly logger: Logger;
  /** The text port's TLS material: the RESP port serves the same certificate. */
  readonly tls: TlsMaterial | undefined;
  readonly latency?: LatencySink;
}

/** The running RESP listener. */
export interface RespListener {
  readonly host: string;
  readonly port: number;
  /** Applies `[network]` limits changed by a reload, as on the text port. */
  setLimits(limits: ConnectionLimits): void;
  /** Its INFO/STATS section. */
  readonly section: () => StatsSection;
  close(): Promise<void>;
}

/**
 * Starts the `[resp]` listener: RESP2/RESP3 over the node's store, access
 * gate, counters and TLS, with `[network]`'s limits (max_connections,
 * connection_timeout, max_line_bytes as the largest request).
 * @throws the listen error (EADDRINUSE, EACCES, ...)
 */
export async function startRespListener(options: RespListenerOptions): Promise<RespListener> {
  const { node, gate, logger, tls } = options;
  const { network, resp } = node.config;
  const host = resp.bind_address ?? network.bind_address;
  let bound = { host, port: resp.bind_port };
  const execute = createRespDispatcher(
    { node, gate, address: () => bound, connectionCount: () => server.connectionCount, cursors: new ScanCursors() },
    logger,
    options.latency,
  );
  const server: TcpServer = new TcpServer({
    host,
    port: resp.bind_port,
    maxConnections: network.max_connections,
    idleTimeoutMs: network.connection_timeout * 1000,
    maxLineBytes: network.max_line_bytes,
    wire: {
      open: (socket, maxLineBytes, onIdle) => new RespConnection(socket, execute, maxLineBytes, onIdle),
      tooManyConnections: () => respError('ERR max number of clients reached'),
      idle: (seconds) => respError(`ERR Connection idle for more than ${seconds} s, closing`),
    },
    logger,
    tls,
  });
  bound = await server.listen();
  const listening = server;
  logger.info({ address: bound.host, port: bound.port, tls: tls !== undefined }, 'RESP listening');
  return {
    host: bound.host,
    port: bound.port,
    setLimits: (limits) => listening.setLimits(limits),
    section: () => [
      'RESP',
      {
        port: bound.port,
        connected_clients: listening.connectionCount,
        total_connections: listening.counters.accepted,
        rejected_connections: listening.counters.rejected,
        timed_out_connections: listening.counters.timedOut,
        tls_rejected_connections: listening.counters.tlsRejected,
      },
    ],
    close: () => listening.close(),
  };
}
