import { connect, createServer, type Server, type Socket } from 'node:net';

/** Options of {@link FaultProxy.start}. */
export interface FaultProxyOptions {
  /** For logs and failure messages, e.g. `node-1->broker`. @default 'proxy' */
  readonly name?: string;
  readonly targetPort: number;
  /** @default '127.0.0.1' */
  readonly targetHost?: string;
  /** Rewrites the target → client bytes of one connection (a fresh function per connection). */
  readonly downstreamFilter?: () => (chunk: Buffer) => Buffer;
  /** Receives one line per fault change. */
  readonly log?: (line: string) => void;
}

/** What a link does right now. */
export type LinkState = 'up' | 'cut' | { readonly delayMs: number };

/**
 * A TCP proxy on a loopback port in front of one target, placed on a link
 * (node → broker, node → peer) so a test can partition without root:
 * `cut()` drops every open connection and refuses new ones (accepts and
 * resets them at once), `drop()` closes the open connections abruptly but
 * keeps accepting (a blip the client reconnects through), `delay(ms)` holds
 * every chunk for `ms` in both directions (order kept), `restore()` forwards again.
 */
export class FaultProxy {
  private state: LinkState = 'up';
  private readonly sockets = new Set<Socket>();
  private connections = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly opts: FaultProxyOptions,
  ) {}

  /** Starts a proxy on `listenPort` (0 = any free one). */
  static async start(opts: FaultProxyOptions, listenPort = 0): Promise<FaultProxy> {
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listenPort, '127.0.0.1', resolve);
    });
    const { port } = server.address() as { port: number };
    const proxy = new FaultProxy(server, port, opts);
    server.on('connection', (client) => proxy.accept(client));
    return proxy;
  }

  get name(): string {
    return this.opts.name ?? 'proxy';
  }

  /** Connections accepted and forwarded so far. */
  get forwarded(): number {
    return this.connections;
  }

  get link(): LinkState {
    return this.state;
  }

  /** Drops every open connection and refuses new ones until {@link restore}. */
  cut(): void {
    this.setState('cut');
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
  }

  /** Closes every open connection (both sides see an abrupt close); new ones are still forwarded. */
  drop(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  /** Holds every chunk for `ms` in both directions. */
  delay(ms: number): void {
    this.setState({ delayMs: ms });
  }

  /** Forwards again at full speed. */
  restore(): void {
    this.setState('up');
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private setState(state: LinkState): void {
    this.state = state;
    this.opts.log?.(`${new Date().toISOString()} ${this.name} ${typeof state === 'string' ? state : `delay ${state.delayMs}ms`}`);
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    if (this.state === 'cut') {
      client.resetAndDestroy();
      return;
    }
    this.connections++;
    const upstream = connect({ host: this.opts.targetHost ?? '127.0.0.1', port: this.opts.targetPort, noDelay: true });
    upstream.on('error', () => undefined);
    this.sockets.add(client);
    this.sockets.add(upstream);
    const teardown = (): void => {
      this.sockets.delete(client);
      this.sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.once('close', teardown);
    upstream.once('close', teardown);
    this.pipe(client, upstream, undefined);
    this.pipe(upstream, client, this.opts.downstreamFilter?.());
  }

  /** Forwards `from` → `to`, through the filter, honouring the current delay in order. */
  private pipe(from: Socket, to: Socket, filter: ((chunk: Buffer) => Buffer) | undefined): void {
    const queue: Array<{ at: number; chunk: Buffer }> = [];
    let timer: NodeJS.Timeout | undefined;
    const pump = (): void => {
      timer = undefined;
      const now = Date.now();
      while (queue.length > 0 && (queue[0] as { at: number }).at <= now) {
        const { chunk } = queue.shift() as { chunk: Buffer };
        if (!to.destroyed) to.write(chunk);
      }
      if (queue.length > 0) timer = setTimeout(pump, (queue[0] as { at: number }).at - now);
    };
    from.on('data', (raw: Buffer) => {
      const chunk = filter === undefined ? raw : filter(raw);
      if (chunk.length === 0) return;
      const delayMs = typeof this.state === 'object' ? this.state.delayMs : 0;
      if (delayMs === 0 && queue.length === 0) {
        if (!to.destroyed) to.write(chunk);
        return;
      }
      queue.push({ at: Date.now() + delayMs, chunk });
      timer ??= setTimeout(pump, Math.max(0, (queue[0] as { at: number }).at - Date.now()));
    });
    from.once('close', () => clearTimeout(timer));
  }
}
