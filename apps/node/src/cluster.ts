import { AntiEntropy, connectTcpPeer, PeerDiscovery, TombstoneCollector, discoveryWill, type AntiEntropyStats, type TcpPeerOptions } from '@merklekv/anti-entropy';
import { createMqttPubSub, Replicator, startEmbeddedBroker, type EmbeddedBroker, type MqttConnection, type ReplicationStats } from '@merklekv/replication';
import type { Store } from '@merklekv/storage';
import { mqttTls, peerConnectOptions } from './cluster-security.js';
import type { StatsSection, SyncFigures } from './commands/context.js';
import type { NodeConfig } from './config/index.js';
import type { DisposalStack } from './lifecycle/disposal-stack.js';
import type { Logger } from './logger.js';

/** Replication, anti-entropy and their housekeeping, as one node runs them. */
export interface Cluster {
  readonly sections: ReadonlyArray<() => StatsSection>;
  replicationStats(): ReplicationStats | undefined;
  antiEntropyStats(): AntiEntropyStats;
  syncNow(peer: string): Promise<SyncFigures>;
  /** True when replication is on and the broker connection is up (or replication is off). */
  ready(): boolean;
  /** This node's client address as peers dial it. */
  readonly selfAddress: string;
  /** The peers anti-entropy works with, and where each comes from (the status page). */
  knownPeers(): ReadonlyArray<{ readonly address: string; readonly sources: ReadonlyArray<'peer_list' | 'discovery'> }>;
  /** How this node authenticates to its peers (cluster secret, TLS). */
  readonly peerOptions: Pick<TcpPeerOptions, 'peerSecret' | 'tls'>;
}

/** How often tombstones past the grace period are collected. */
const TOMBSTONE_SWEEP_MS = 60_000;

/**
 * Starts what makes a node part of a cluster: the embedded broker when asked
 * for, the MQTT connection, the replicator, peer discovery, anti-entropy (a
 * session right away when the broker connection returns), tombstone
 * collection. `broker_address = "none"` runs without MQTT: anti-entropy
 * over the static peer_list keeps the replica in sync alone.
 *
 * Every part joins `stack` the moment it exists: the node stops them by disposing of the stack,
 * and a start that fails part-way releases what was started (ports, connections, timers).
 */
export async function startCluster(
  live: () => NodeConfig,
  store: Store,
  address: { host: string; port: number },
  logger: Logger,
  stack: DisposalStack,
): Promise<Cluster> {
  const config = live();
  const { mqtt, anti_entropy: ae } = config;
  const sections: Array<() => StatsSection> = [];
  // Read first, so an unreadable file stops the start before anything runs.
  const brokerTls = mqttTls(mqtt);
  const peerOptions = peerConnectOptions(config, logger);
  const secret = config.security.cluster_secret;

  let broker: EmbeddedBroker | undefined;
  // A list (failover between brokers) never holds "embedded" or "none": the schema refuses it.
  let brokerUrl: string | readonly string[] = mqtt.broker_address;
  if (brokerUrl === 'embedded') {
    broker = await startEmbeddedBroker({ host: config.network.bind_address, port: mqtt.embedded_port }).catch((err: unknown) => {
      throw portError(err, `the embedded MQTT broker cannot listen on ${config.network.bind_address}:${mqtt.embedded_port}`, '[mqtt] embedded_port');
    });
    stack.use('embedded MQTT broker', broker, (b) => b.close());
    brokerUrl = `mqtt://${hostForUrl(broker.host)}:${broker.port}`;
    logger.info({ host: broker.host, port: broker.port }, 'embedded MQTT broker listening');
  }

  let pubsub: MqttConnection | undefined;
  let replicator: Replicator | undefined;
  let discovery: PeerDiscovery | undefined;
  if (brokerUrl !== 'none') {
    pubsub = createMqttPubSub({
      brokerUrl,
      clientId: mqtt.client_id ?? config.node_id,
      ...(mqtt.username !== undefined ? { username: mqtt.username } : {}),
      ...(mqtt.password !== undefined ? { password: mqtt.password } : {}),
      keepAlive: mqtt.keep_alive,
      cleanSession: mqtt.clean_session,
      ...(brokerTls !== undefined ? { tls: brokerTls } : {}),
      will: discoveryWill(mqtt.topic_prefix, config.node_id),
      logger: logger.child({ component: 'mqtt' }),
    });
    stack.use('MQTT connection', pubsub, (p) => p.close());
    const connection = pubsub;
    connection.onConnectionChange((up) => logger.info({ broker: connection.broker }, up ? 'broker connected' : 'broker disconnected'));
    replicator = new Replicator({
      store,
      nodeId: config.node_id,
      topicPrefix: mqtt.topic_prefix,
      pubsub: connection,
      queueLimit: mqtt.queue_limit,
      ...(secret !== undefined ? { secret } : {}),
      logger: logger.child({ component: 'replication' }),
    });
    const running = stack.use('replicator', replicator, (r) => r.stop());
    await running.start();
    sections.push(() => ['Replication', { broker: connection.broker, ...snakeCase(running.stats()) }]);
    discovery = new PeerDiscovery({
      pubsub: connection,
      topicPrefix: mqtt.topic_prefix,
      nodeId: config.node_id,
      address: `${advertisedHost(address.host)}:${address.port}`,
      // Read at every announcement, so a reload takes effect at the next one.
      get intervalMs() {
        return live().anti_entropy.peer_discovery_interval * 1000;
      },
      logger: logger.child({ component: 'discovery' }),
    });
    await stack.use('peer discovery', discovery, (d) => d.stop({ leave: true })).start();
  }

  const self = `${advertisedHost(address.host)}:${address.port}`;
  const peers = (): string[] =>
    [...new Set([...live().anti_entropy.peer_list, ...(discovery?.peers() ?? [])])].filter((p) => p !== self);
  const antiEntropy = new AntiEntropy({
    store,
    peers,
    connect: (peer) => connectTcpPeer(peer, peerOptions),
    // Read at every round, so a reload takes effect at the next one.
    get intervalMs() {
      return live().anti_entropy.interval_seconds * 1000;
    },
    get maxConcurrent() {
      return live().anti_entropy.max_concurrent_syncs;
    },
    logger: logger.child({ component: 'anti-entropy' }),
  });
  stack.use('anti-entropy', antiEntropy, (a) => a.stop());
  if (ae.enabled) {
    antiEntropy.start();
    replicator?.onReconnect(() => antiEntropy.triggerAll());
    // A node that starts (or restarts) asks its peers for what it missed right away.
    antiEntropy.triggerAll();
  }

  sections.push(() => {
    const s = antiEntropy.stats();
    const last = s.peers.map((p) => `${p.address}=${p.ok ? 'ok' : 'failed'}@${new Date(p.at).toISOString()}`).join(',');
    return [
      'Anti-Entropy',
      {
        enabled: ae.enabled,
        peers: peers().join(','),
        sessions: s.sessions,
        failures: s.failures,
        keys_repaired: s.keysRepaired,
        keys_pulled: s.keysPulled,
        keys_pushed: s.keysPushed,
        bytes: s.bytes,
        running: s.running,
        last_sessions: last,
        ...lastSessionFigures(s.peers),
      },
    ];
  });

  const collector = new TombstoneCollector({
    store,
    intervalMs: TOMBSTONE_SWEEP_MS,
    graceSeconds: config.storage.tombstone_grace_seconds,
    logger: logger.child({ component: 'tombstones' }),
  });
  stack.use('tombstone collector', collector, (c) => c.stop());
  collector.start();

  return {
    sections,
    replicationStats: () => replicator?.stats(),
    antiEntropyStats: () => antiEntropy.stats(),
    syncNow: (peer) => antiEntropy.syncNow(peer),
    ready: () => pubsub?.connected ?? true,
    selfAddress: self,
    knownPeers: () => {
      const listed = new Set(live().anti_entropy.peer_list);
      const found = new Set(discovery?.peers() ?? []);
      return peers().map((address) => ({
        address,
        sources: [...(listed.has(address) ? ['peer_list' as const] : []), ...(found.has(address) ? ['discovery' as const] : [])],
      }));
    },
    peerOptions,
  };
}

/** An error for a port that cannot be bound, naming the option that sets it. */
export function portError(err: unknown, what: string, option: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRNOTAVAIL') {
    return new Error(`${what}: the address is not one of this machine's; choose another with [network] bind_address`, { cause: err });
  }
  const why = code === 'EADDRINUSE' ? 'the port is in use (another node or broker?)' : (err as Error).message;
  return new Error(`${what}: ${why}; choose another with ${option}`, { cause: err });
}

function snakeCase(stats: object): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(stats)) out[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = value as string | number | boolean;
  return out;
}

/** 0.0.0.0 / :: listen everywhere; peers reach such a node on loopback at least. */
function advertisedHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** The figures of the most recent successful session (any peer), as INFO shows them: the same as SYNC's reply. */
function lastSessionFigures(peers: AntiEntropyStats['peers']): Record<string, string | number> {
  let last: AntiEntropyStats['peers'][number] | undefined;
  for (const p of peers) if (p.report !== undefined && (last === undefined || p.at >= last.at)) last = p;
  const r = last?.report;
  if (last === undefined || r === undefined) return {};
  return {
    last_session_peer: last.address,
    last_session_round_trips: r.roundTrips,
    last_session_bytes: r.bytes,
    last_session_keys_pulled: r.pulled,
    last_session_keys_pushed: r.pushed,
    last_session_ms: r.ms,
    last_session_mode: r.mode,
  };
}
