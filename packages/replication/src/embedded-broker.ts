import { createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { Aedes } from 'aedes';

/** Options of {@link startEmbeddedBroker}. */
export interface EmbeddedBrokerOptions {
  /** Interface to listen on. @default '127.0.0.1' */
  readonly host?: string;
  /** TCP port; 0 picks a free one (read it from the result). */
  readonly port: number;
}

/** A running in-process broker. */
export interface EmbeddedBroker {
  /** The bound port (the real one when 0 was asked). */
  readonly port: number;
  readonly host: string;
  /** Disconnects every client, closes the broker and the listening socket. */
  close(): Promise<void>;
}

/**
 * Starts an aedes MQTT broker inside this process (`mqtt.broker_address = "embedded"`),
 * reachable by other nodes at `mqtt://host:port`. Sockets get TCP_NODELAY.
 */
export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const host = opts.host ?? '127.0.0.1';
  const broker = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  const server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  server.listen(opts.port, host);
  try {
    await once(server, 'listening');
  } catch (err) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw err;
  }
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;
  let closed: Promise<void> | undefined;
  return {
    port,
    host,
    close() {
      closed ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        await new Promise<void>((resolve) => broker.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await serverClosed;
      })();
      return closed;
    },
  };
}
