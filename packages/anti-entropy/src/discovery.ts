/**
 * Peer discovery over MQTT retained messages. Each node publishes
 * `{ nodeId, address }` (its client `host:port`), retained, on
 * `{prefix}/nodes/{nodeId}`, and again every interval; its MQTT connection
 * carries a last will that publishes an empty retained payload on the same
 * topic, which clears the announcement when the node dies. Subscribing to
 * `{prefix}/nodes/+` therefore yields every live node, retained ones first.
 * A node never lists itself. Known peers are kept while the broker is
 * unreachable: that is exactly when anti-entropy is needed.
 */
import { parsePeerAddress } from './address.js';
import { AntiEntropyError } from './errors.js';
import { silentLogger, systemTimers } from '@merklekv/storage';
import type { Logger, Timers } from '@merklekv/storage';

/** The pub/sub operations discovery needs (the replication package's PubSub has them). */
/** How long a graceful stop waits for the broker to acknowledge the withdrawn announcement. */
export const LEAVE_TIMEOUT_MS = 1000;

export interface DiscoveryPubSub {
  publish(topic: string, payload: Buffer, opts: { retain: boolean; qos?: 0 | 1 }): Promise<void>;
  subscribe(filter: string, onMessage: (topic: string, payload: Buffer) => void): Promise<void>;
  /** When present and false, announcements wait for the connection instead of failing. */
  readonly connected?: boolean;
  /** When present, the node announces itself each time the connection comes up. */
  onConnectionChange?(listener: (connected: boolean) => void): () => void;
}

/** What a node announces. */
export interface NodeAnnouncement {
  readonly nodeId: string;
  /** The node's client address, `host:port`. */
  readonly address: string;
}

/** Options of {@link PeerDiscovery}. */
export interface PeerDiscoveryOptions {
  readonly pubsub: DiscoveryPubSub;
  /** The MQTT `topic_prefix`. */
  readonly topicPrefix: string;
  readonly nodeId: string;
  /** This node's client address as peers should dial it (`host:port`). */
  readonly address: string;
  /** `peer_discovery_interval` × 1000: how often to re-announce. */
  readonly intervalMs: number;
  /** @default the global timers, unref'd */
  readonly timers?: Timers;
  readonly logger?: Logger;
}

/** The topic a node announces itself on: `{prefix}/nodes/{nodeId}`. */
export function discoveryTopic(topicPrefix: string, nodeId: string): string {
  return `${topicPrefix}/nodes/${nodeId}`;
}

/**
 * The MQTT last will that withdraws a node's announcement when it disconnects
 * uncleanly: an empty retained payload on its discovery topic. Pass it to the
 * MQTT connection options (`will`).
 */
export function discoveryWill(
  topicPrefix: string,
  nodeId: string,
): { topic: string; payload: Buffer; retain: true; qos: 1 } {
  return { topic: discoveryTopic(topicPrefix, nodeId), payload: Buffer.alloc(0), retain: true, qos: 1 };
}

/** Announces this node and tracks the others. */
export class PeerDiscovery {
  private readonly known = new Map<string, string>();
  private readonly listeners = new Set<(peers: readonly string[]) => void>();
  private readonly timers: Timers;
  private readonly logger: Logger;
  private timer: unknown;
  private running = false;
  private unwatch: (() => void) | undefined;

  constructor(private readonly opts: PeerDiscoveryOptions) {
    if (!(opts.intervalMs > 0)) {
      throw new AntiEntropyError('INVALID_OPTION', `Invalid intervalMs ${opts.intervalMs}: expected a positive number`);
    }
    parsePeerAddress(opts.address);
    if (opts.nodeId === '' || /[+#/]/.test(opts.nodeId)) {
      throw new AntiEntropyError(
        'INVALID_OPTION',
        `Invalid nodeId '${opts.nodeId}': it must be non-empty and hold no '+', '#' or '/'`,
      );
    }
    this.timers = opts.timers ?? systemTimers;
    this.logger = opts.logger ?? silentLogger;
  }

  /**
   * Subscribes, announces, and re-announces every interval and whenever the
   * connection comes back. A broker that is away at start only delays the
   * announcement.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const { pubsub } = this.opts;
    await pubsub.subscribe(`${this.opts.topicPrefix}/nodes/+`, (topic, payload) => this.receive(topic, payload));
    this.unwatch = pubsub.onConnectionChange?.((up) => {
      if (up && this.running) void this.tryAnnounce();
    });
    await this.tryAnnounce();
    this.schedule();
  }

  /**
   * Stops re-announcing. With `leave`, also withdraws the announcement (an
   * empty retained payload, as the will would), for a graceful shutdown.
   */
  async stop(opts: { leave?: boolean } = {}): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.unwatch?.();
    this.unwatch = undefined;
    if (opts.leave === true && this.opts.pubsub.connected !== false) {
      // Bounded: a broker that goes away at this moment (it may be stopping too) never acknowledges the
      // QoS 1 publish, and a shutdown must not wait for a reconnection that will not come. The broker's
      // last will withdraws the announcement instead.
      const will = discoveryWill(this.opts.topicPrefix, this.opts.nodeId);
      let timer: unknown;
      const published = this.opts.pubsub.publish(will.topic, will.payload, { retain: true, qos: 1 }).then(
        () => true,
        (error: unknown) => {
          this.logger.warn({ reason: error instanceof Error ? error.message : String(error) }, 'could not withdraw this node\'s announcement: the broker\'s last will does it');
          return true;
        },
      );
      const timedOut = new Promise<false>((resolve) => (timer = this.timers.setTimeout(() => resolve(false), LEAVE_TIMEOUT_MS)));
      const done = await Promise.race([published, timedOut]);
      this.timers.clearTimeout(timer);
      if (!done) this.logger.warn({ waited_ms: LEAVE_TIMEOUT_MS }, 'the broker did not acknowledge this node\'s leaving: stopping anyway (its last will withdraws the announcement)');
    }
  }

  /** Publishes this node's announcement now (retained). */
  async announce(): Promise<void> {
    const body: NodeAnnouncement = { nodeId: this.opts.nodeId, address: this.opts.address };
    await this.opts.pubsub.publish(
      discoveryTopic(this.opts.topicPrefix, this.opts.nodeId),
      Buffer.from(JSON.stringify(body)),
      { retain: true, qos: 1 },
    );
  }

  /** Announces when connected; a failure is logged (the next interval or reconnection tries again). */
  private async tryAnnounce(): Promise<void> {
    if (this.opts.pubsub.connected === false) return;
    try {
      await this.announce();
    } catch (error) {
      this.logger.warn({ err: error }, 'peer discovery: announcement failed');
    }
  }

  /** The addresses of the other live nodes, sorted. */
  peers(): readonly string[] {
    return [...new Set(this.known.values())].sort();
  }

  /** Calls `listener` with the new peer list whenever it changes; returns an unsubscribe function. */
  onChange(listener: (peers: readonly string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private schedule(): void {
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      if (!this.running) return;
      void this.tryAnnounce();
      this.schedule();
    }, this.opts.intervalMs);
  }

  private receive(topic: string, payload: Buffer): void {
    const prefix = `${this.opts.topicPrefix}/nodes/`;
    if (!topic.startsWith(prefix)) return;
    const nodeId = topic.slice(prefix.length);
    if (nodeId === this.opts.nodeId || nodeId === '' || nodeId.includes('/')) return;
    const before = this.known.get(nodeId);
    if (payload.length === 0) {
      this.known.delete(nodeId);
    } else {
      const announcement = parseAnnouncement(payload);
      if (announcement === undefined || announcement.nodeId !== nodeId) {
        this.logger.warn({ topic }, 'peer discovery: ignoring a malformed announcement');
        return;
      }
      this.known.set(nodeId, announcement.address);
    }
    if (this.known.get(nodeId) !== before) {
      const peers = this.peers();
      for (const listener of this.listeners) listener(peers);
    }
  }
}

/** Parses and validates an announcement; undefined when it is not one. */
export function parseAnnouncement(payload: Buffer): NodeAnnouncement | undefined {
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const { nodeId, address } = body as Record<string, unknown>;
  if (typeof nodeId !== 'string' || typeof address !== 'string' || nodeId === '') return undefined;
  try {
    parsePeerAddress(address);
  } catch {
    return undefined;
  }
  return { nodeId, address };
}
