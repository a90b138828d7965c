import type { AntiEntropyStats } from '@merklekv/anti-entropy';
import type { ReplicationStats } from '@merklekv/replication';
import type { Store } from '@merklekv/storage';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CommandCounters } from '../commands/context.js';
import type { ServerCounters } from '../server/tcp-server.js';
import type { ExpiryStats } from '../storage/expiry-sweeper.js';

/** Everything the metrics read, at scrape time: nothing on the hot path but the latency histogram. */
export interface MetricsSource {
  readonly counters: CommandCounters;
  readonly store: Store;
  /** Merged versions whose ts was past the clock's maximum offset. */
  readonly skewEvents?: () => number;
  readonly server: () => { readonly connections: number; readonly counters: ServerCounters };
  readonly replication: () => ReplicationStats | undefined;
  readonly antiEntropy: () => AntiEntropyStats;
  /** The active expiry sweep's figures (absent: no sweeper). */
  readonly expiry?: () => ExpiryStats;
}

/** Seconds; spans a map lookup to a slow anti-entropy session. */
export const LATENCY_BUCKETS = [0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1, 5];

/**
 * The node's Prometheus registry: every series prefixed `merklekv_`. Counters
 * kept elsewhere (commands, replication, anti-entropy) are copied in when
 * scraped, so serving a command costs nothing extra but one histogram
 * observation.
 */
export class NodeMetrics {
  readonly registry = new Registry();
  readonly latency: Histogram<'command'>;

  constructor(source: MetricsSource) {
    const registry = this.registry;
    collectDefaultMetrics({ register: registry, prefix: 'merklekv_' });
    this.latency = new Histogram({
      name: 'merklekv_command_duration_seconds',
      help: 'Time to execute a command, by command name',
      labelNames: ['command'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });

    new Counter({
      name: 'merklekv_commands_total',
      help: 'Commands served, by name and outcome',
      labelNames: ['command', 'outcome'],
      registers: [registry],
      collect() {
        this.reset();
        const { calls, errors } = source.counters;
        for (const [command, n] of Object.entries(calls)) {
          const failed = errors[command] ?? 0;
          this.inc({ command, outcome: 'ok' }, n - failed);
          if (failed) this.inc({ command, outcome: 'error' }, failed);
        }
      },
    });
    counter(registry, 'merklekv_protocol_errors_total', 'Request lines that could not be parsed', () => source.counters.protocolErrors);
    gauge(registry, 'merklekv_keys', 'Live keys', () => source.store.size);
    gauge(registry, 'merklekv_records', 'Records held, tombstones included', () => source.store.recordCount);
    gauge(registry, 'merklekv_data_bytes', 'Estimated size of the data held', () => source.store.memoryBytes);
    gauge(registry, 'merklekv_keys_with_expiry', 'Live keys with an expiry', () => source.store.keysWithExpiry);
    counter(registry, 'merklekv_expired_keys_total', 'Records turned into expiry tombstones (by the sweep, on access or on arrival)', () => source.store.expiredTotal);
    counter(registry, 'merklekv_expiry_sweep_seconds_total', 'Time the active expiry sweep spent expiring keys', () => (source.expiry?.().sweepMs ?? 0) / 1000);
    counter(registry, 'merklekv_expiry_sweep_failures_total', 'Expiry sweep runs that failed (logged; retried at the next interval)', () => source.expiry?.().failures ?? 0);
    gauge(registry, 'merklekv_expiry_sweep_max_step_seconds', 'Longest single step of the expiry sweep (a client waits at most this long behind it)', () => (source.expiry?.().maxStepMs ?? 0) / 1000);
    gauge(registry, 'merklekv_connections', 'Open client connections', () => source.server().connections);
    counter(registry, 'merklekv_connections_total', 'Client connections accepted', () => source.server().counters.accepted);
    counter(registry, 'merklekv_connections_rejected_total', 'Client connections refused (max_connections)', () => source.server().counters.rejected);
    counter(registry, 'merklekv_connections_timed_out_total', 'Idle client connections closed', () => source.server().counters.timedOut);

    const replication = (pick: (s: ReplicationStats) => number) => () => {
      const s = source.replication();
      return s === undefined ? undefined : pick(s);
    };
    new Counter({
      name: 'merklekv_replication_events_total',
      help: 'Replication events by kind: published, received, applied, stale (lost LWW), rejected (payloads), rejected_event (a key, value or node id the protocol refuses), dropped (queue full)',
      labelNames: ['kind'],
      registers: [registry],
      collect() {
        this.reset();
        const s = source.replication();
        if (!s) return;
        for (const kind of ['published', 'received', 'applied', 'stale', 'rejected', 'dropped'] as const) this.inc({ kind }, s[kind]);
        this.inc({ kind: 'rejected_event' }, s.rejectedEvents);
      },
    });
    gauge(registry, 'merklekv_replication_queue_depth', 'Keys waiting to be published', replication((s) => s.queueDepth));
    gauge(registry, 'merklekv_broker_connected', '1 when the MQTT connection is up', replication((s) => (s.connected ? 1 : 0)));
    gauge(registry, 'merklekv_clock_skew_max_ms', 'Largest amount a merged version\'s timestamp was ahead of the local clock', () => source.store.clockSkewMaxMs);
    counter(registry, 'merklekv_clock_skew_events_total', 'Merged versions whose timestamp was more than the maximum offset ahead (per peer in INFO)', () => source.skewEvents?.() ?? source.store.clockSkewEvents);
    const writes = () => source.store.engine.writeStatus?.();
    counter(registry, 'merklekv_storage_write_failures_total', 'Batches the storage engine failed to write (each retry counts)', () => writes()?.failures ?? 0);
    gauge(registry, 'merklekv_storage_write_queue', 'Changes not yet written to the storage engine', () => writes()?.queued ?? 0);
    gauge(registry, 'merklekv_storage_writes_failing', '1 while the storage engine fails writes (the node is not ready)', () => (writes()?.failing ? 1 : 0));

    new Counter({
      name: 'merklekv_anti_entropy_sessions_total',
      help: 'Anti-entropy sessions, by outcome',
      labelNames: ['outcome'],
      registers: [registry],
      collect() {
        this.reset();
        const s = source.antiEntropy();
        this.inc({ outcome: 'ok' }, s.sessions - s.failures);
        this.inc({ outcome: 'failed' }, s.failures);
      },
    });
    counter(registry, 'merklekv_anti_entropy_keys_repaired_total', 'Keys pulled or pushed by anti-entropy', () => source.antiEntropy().keysRepaired);
    counter(registry, 'merklekv_anti_entropy_bytes_total', 'Bytes exchanged with peers by anti-entropy', () => source.antiEntropy().bytes);
    // The last successful session with each peer: the figures SYNC reports.
    const lastSession: Array<[string, string, (r: NonNullable<AntiEntropyStats['peers'][number]['report']>) => number]> = [
      ['round_trips', 'Round trips', (r) => r.roundTrips],
      ['bytes', 'Bytes on the wire, both directions', (r) => r.bytes],
      ['keys_pulled', 'Keys pulled', (r) => r.pulled],
      ['keys_pushed', 'Keys pushed', (r) => r.pushed],
      ['ms', 'Duration in ms', (r) => r.ms],
    ];
    for (const [name, help, read] of lastSession) {
      new Gauge({
        name: `merklekv_anti_entropy_last_session_${name}`,
        help: `${help} of the last anti-entropy session with each peer, when it succeeded`,
        labelNames: ['peer'],
        registers: [registry],
        collect() {
          this.reset();
          for (const p of source.antiEntropy().peers) if (p.report !== undefined) this.set({ peer: p.address }, read(p.report));
        },
      });
    }
  }
}

function gauge(registry: Registry, name: string, help: string, read: () => number | undefined): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      const v = read();
      if (v !== undefined) this.set(v);
    },
  });
}

function counter(registry: Registry, name: string, help: string, read: () => number | undefined): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const v = read();
      this.reset();
      if (v !== undefined && v > 0) this.inc(v);
    },
  });
}
