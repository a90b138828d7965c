/**
 * Wires the cluster status into a node: the activity sampler (INFO
 * `# Activity`), the cluster monitor behind `GET /cluster` and the status
 * page, their Prometheus series, and the admin routes with basic auth.
 */
import { formatPeerAddress, parsePeerAddress } from '@merklekv/anti-entropy';
import type { Store } from '@merklekv/storage';
import { basicAuth } from '../admin/basic-auth.js';
import { LATENCY_BUCKETS, type NodeMetrics } from '../admin/metrics.js';
import { statusRoutes } from '../admin/status-routes.js';
import type { Cluster } from '../cluster.js';
import type { CommandCounters, StatsSection } from '../commands/context.js';
import type { NodeConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import { startActivitySampler } from './activity-sampler.js';
import { ClusterMonitor } from './cluster-view.js';
import { probePeer } from './peer-probe.js';
import { registerStatusMetrics, type StatusMetrics } from './status-metrics.js';

/** A peer that has not answered within this is shown unreachable. */
const PROBE_TIMEOUT_MS = 1500;

/** Options of {@link startClusterStatus}. */
export interface ClusterStatusOptions {
  /** The running configuration (reloads included). */
  readonly config: () => NodeConfig;
  readonly store: Store;
  readonly cluster: Cluster;
  readonly metrics: NodeMetrics;
  readonly counters: CommandCounters;
  /** This node's client address as peers dial it. */
  readonly selfAddress: () => string;
  readonly logger: Logger;
}

/** The running status pieces. */
export interface ClusterStatus {
  readonly monitor: ClusterMonitor;
  readonly routes: ReturnType<typeof statusRoutes>;
  /** INFO `# Activity`. */
  readonly section: () => StatsSection;
  readonly metrics: StatusMetrics;
  stop(): void;
}

/** Starts the sampler and builds the monitor, metrics and routes. */
export function startClusterStatus(opts: ClusterStatusOptions): ClusterStatus {
  const { cluster, store, metrics, logger } = opts;
  const config = opts.config();
  const sampler = startActivitySampler(
    {
      commands: () => Object.values(opts.counters.calls).reduce((a, b) => a + b, 0),
      replication: () => cluster.replicationStats() ?? { received: 0, published: 0 },
      latency: metrics.latency,
      bounds: LATENCY_BUCKETS,
    },
    logger,
  );
  const monitor = new ClusterMonitor({
    nodeId: config.node_id,
    get address() {
      return opts.selfAddress();
    },
    peers: () => cluster.knownPeers().map((p) => ({ ...p, address: normalized(p.address) })),
    root: () => ({ root: store.tree.rootHex(), count: store.recordCount }),
    keys: () => store.size,
    replication: () => cluster.replicationStats(),
    queueLimit: config.mqtt.queue_limit,
    antiEntropy: () => cluster.antiEntropyStats(),
    antiEntropyEnabled: config.anti_entropy.enabled,
    intervalSeconds: () => opts.config().anti_entropy.interval_seconds,
    activity: () => sampler.current(),
    probe: (address) => probePeer(address, { timeoutMs: PROBE_TIMEOUT_MS, ...cluster.peerOptions }),
  });
  let authFailures = 0;
  const statusMetrics = registerStatusMetrics(metrics.registry, {
    monitor,
    replication: () => cluster.replicationStats(),
    queueLimit: config.mqtt.queue_limit,
    intervalSeconds: () => opts.config().anti_entropy.interval_seconds,
    adminAuthFailures: () => authFailures,
  });
  const routes = statusRoutes({
    view: () => monitor.view(),
    auth: basicAuth(config.security),
    logger: logger.child({ component: 'admin' }),
    onAuthFailure: () => authFailures++,
  });
  return { monitor, routes, section: sampler.section, metrics: statusMetrics, stop: () => sampler.stop() };
}

/** The form anti-entropy keys its per-peer stats by. */
function normalized(address: string): string {
  try {
    return formatPeerAddress(parsePeerAddress(address));
  } catch {
    return address;
  }
}
