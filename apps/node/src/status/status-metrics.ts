import type { ReplicationStats } from '@merklekv/replication';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ClusterMonitor } from './cluster-view.js';

/** What the cluster-status series read at scrape time. */
export interface StatusMetricsSource {
  readonly monitor: ClusterMonitor;
  replication(): ReplicationStats | undefined;
  readonly queueLimit: number;
  intervalSeconds(): number;
  /** Rejected admin HTTP credentials so far. */
  adminAuthFailures(): number;
}

/** The series the dashboard and alerts need beyond the node's own. */
export interface StatusMetrics {
  /**
   * `merklekv_storage_write_failures_total`: storage writes the engine failed.
   * Registered here so the dashboard and the alert have their series; the
   * storage failure handling increments it.
   */
  readonly storageWriteFailures: Counter;
}

/**
 * Registers the per-peer series (`merklekv_peer_up`,
 * `merklekv_peer_divergence_seconds`), read from the cluster view (a scrape
 * probes the peers unless the view is fresh), and the limits the alerts
 * compare against (`merklekv_anti_entropy_interval_seconds`,
 * `merklekv_replication_queue_limit`), replication lag, admin
 * authentication failures and storage write failures.
 */
export function registerStatusMetrics(registry: Registry, source: StatusMetricsSource): StatusMetrics {
  const { monitor } = source;
  new Gauge({
    name: 'merklekv_peer_up',
    help: 'Whether each known peer answered the last status probe (INFO and HASH over the peer protocol)',
    labelNames: ['peer'],
    registers: [registry],
    async collect() {
      await monitor.view();
      this.reset();
      for (const [peer, probe] of monitor.probes()) this.set({ peer }, probe.up ? 1 : 0);
    },
  });
  new Gauge({
    name: 'merklekv_peer_divergence_seconds',
    help: "Seconds since this node's Merkle root last matched the peer's (0 while they match), by probes and anti-entropy sessions",
    labelNames: ['peer'],
    registers: [registry],
    async collect() {
      await monitor.view();
      this.reset();
      const now = Date.now();
      for (const peer of monitor.divergence.known()) {
        const state = monitor.divergence.state(peer, now);
        if (state !== undefined) this.set({ peer }, state.seconds);
      }
    },
  });
  new Gauge({
    name: 'merklekv_anti_entropy_interval_seconds',
    help: 'The configured anti-entropy interval ([anti_entropy] interval_seconds)',
    registers: [registry],
    collect() {
      this.set(source.intervalSeconds());
    },
  });
  const replication = (pick: (s: ReplicationStats) => number) =>
    function (this: Gauge) {
      const s = source.replication();
      if (s !== undefined) this.set(pick(s));
    };
  new Gauge({
    name: 'merklekv_replication_queue_limit',
    help: 'Keys the replication queue holds before changes are dropped ([mqtt] queue_limit)',
    registers: [registry],
    collect: replication(() => source.queueLimit),
  });
  new Gauge({
    name: 'merklekv_replication_lag_seconds',
    help: 'Age of the newest event of the last replication batch received, when it arrived (writer HLC vs local clock)',
    registers: [registry],
    collect: replication((s) => s.lagMs / 1000),
  });
  new Gauge({
    name: 'merklekv_replication_in_flight_batches',
    help: 'Replication batches published and not yet acknowledged by the broker',
    registers: [registry],
    collect: replication((s) => s.inFlightBatches),
  });
  new Counter({
    name: 'merklekv_admin_auth_failures_total',
    help: 'Admin HTTP requests (status page, /cluster) refused for wrong credentials',
    registers: [registry],
    collect() {
      this.reset();
      const n = source.adminAuthFailures();
      if (n > 0) this.inc(n);
    },
  });
  // The storage failure handling may register this series itself: use its counter then.
  const storageWriteFailures =
    (registry.getSingleMetric('merklekv_storage_write_failures_total') as Counter | undefined) ??
    new Counter({
      name: 'merklekv_storage_write_failures_total',
      help: 'Storage writes the engine failed (the replica in memory is ahead of the disk)',
      registers: [registry],
    });
  return { storageWriteFailures };
}
