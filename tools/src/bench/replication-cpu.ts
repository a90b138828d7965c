/**
 * The replicator's own CPU cost per write, in one process: a `Store` overwriting
 * `keys` preloaded keys, 16 writes per event-loop turn (a pipelined client's
 * chunk), with and without a {@link Replicator} publishing every change to a
 * real mosquitto (timed until the last batch is acknowledged). CPU time is
 * `process.cpuUsage()` (user + system) over the write phase, so the MQTT socket
 * writes, encoding, the outbox, the replay buffer and the garbage they leave are
 * all in it. Rounds alternate off / on and the median of each is reported; the
 * difference is what replication costs a write.
 */
import { performance } from 'node:perf_hooks';
import { Store } from '@merklekv/storage';
import { createMqttPubSub, Replicator } from '@merklekv/replication';
import { waitFor } from '@merklekv/test-support';
import { startGcMonitor } from './replication-stages.js';

/** One measured round. */
export interface CpuRound {
  readonly replicate: boolean;
  readonly cpuMicrosPerWrite: number;
  /** The kernel's share of it (system time: socket writes and reads). */
  readonly sysMicrosPerWrite: number;
  readonly writesPerSec: number;
  readonly batches: number;
  /** Garbage-collection pauses during the round (wall time, ms). */
  readonly gcMs: number;
}

/** The figures of {@link measureReplicationCpu}. */
export interface ReplicationCpu {
  readonly rounds: readonly CpuRound[];
  /** Median µs of CPU per write without / with the replicator. */
  readonly off: number;
  readonly on: number;
}

const PER_TICK = 16;
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

async function round(brokerUrl: string, prefix: string, keys: number, writes: number, replicate: boolean, n: number): Promise<CpuRound> {
  const store = new Store({ nodeId: 'writer' });
  const value = 'v'.repeat(32);
  const names = Array.from({ length: keys }, (_, i) => `bench:${String(i).padStart(5, '0')}`);
  for (const k of names) store.set(k, value);
  const pubsub = replicate ? createMqttPubSub({ brokerUrl, clientId: `${prefix}-cpu-${n}` }) : undefined;
  const replicator = pubsub === undefined ? undefined : new Replicator({ store, nodeId: 'writer', topicPrefix: `${prefix}-cpu`, pubsub });
  try {
    if (replicator !== undefined && pubsub !== undefined) {
      await replicator.start();
      await waitFor('connected', () => pubsub.connected, { timeoutMs: 5000, intervalMs: 1 });
      await waitFor('the replication queue drained', () => replicator.stats().queueDepth === 0 && replicator.stats().inFlightBatches === 0, { timeoutMs: 10_000, intervalMs: 1 });
    }
    const batches0 = replicator?.stats().publishedBatches ?? 0;
    const gc = startGcMonitor();
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < writes; i++) {
      store.set(names[(i * 7919) % keys] as string, value);
      if (i % PER_TICK === PER_TICK - 1) await turn();
    }
    if (replicator !== undefined) await waitFor('the replication queue drained', () => replicator.stats().queueDepth === 0 && replicator.stats().inFlightBatches === 0, { timeoutMs: 60_000, intervalMs: 1 });
    const cpu = process.cpuUsage(cpu0);
    const gcMs = gc.stop().totalMs;
    const seconds = (performance.now() - t0) / 1000;
    return {
      replicate,
      cpuMicrosPerWrite: (cpu.user + cpu.system) / writes,
      sysMicrosPerWrite: cpu.system / writes,
      writesPerSec: writes / seconds,
      batches: (replicator?.stats().publishedBatches ?? 0) - batches0,
      gcMs,
    };
  } finally {
    await replicator?.stop();
    await pubsub?.close();
  }
}

/**
 * Measures `rounds` rounds each without and with the replicator (alternating), each
 * overwriting `keys` keys `writes` times in all.
 */
export async function measureReplicationCpu(brokerUrl: string, prefix: string, opts: { keys: number; writes: number; rounds: number }): Promise<ReplicationCpu> {
  const rounds: CpuRound[] = [];
  for (let r = 0; r < opts.rounds; r++) {
    for (const replicate of [false, true]) {
      if (typeof globalThis.gc === 'function') globalThis.gc();
      rounds.push(await round(brokerUrl, prefix, opts.keys, opts.writes, replicate, r));
    }
  }
  return {
    rounds,
    off: median(rounds.filter((r) => !r.replicate).map((r) => r.cpuMicrosPerWrite)),
    on: median(rounds.filter((r) => r.replicate).map((r) => r.cpuMicrosPerWrite)),
  };
}
