import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A loopback TCP proxy whose connections the test can cut abruptly (fault injection). */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly accepted: { count: number },
  ) {}

  /** Connections accepted so far. */
  get connections(): number {
    return this.accepted.count;
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const sockets = new Set<Socket>();
    const accepted = { count: 0 };
    const server = createServer((client) => {
      accepted.count++;
      const upstream = createConnection({ port: targetPort, host: '127.0.0.1' });
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.once('close', () => sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const proxy = new TcpProxy(server, typeof address === 'object' && address !== null ? address.port : 0, accepted);
    (proxy as unknown as { sockets: Set<Socket> }).sockets = sockets;
    return proxy;
  }

  /** Destroys every proxied connection at once (both sides see an abrupt close). */
  cut(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
