/**
 * Replication benchmarks (`bench replication [--only PARTS] [--rates 1000,10000] [--seconds 3] [--runs N]`,
 * or standalone: `npx tsx --tsconfig tsconfig.base.json tools/src/bench/replication.ts`).
 *
 * The in-process parts run three nodes (Store + Replicator, each with its own MQTT connection) on a
 * Debian `mosquitto` started as a child process on a free loopback port:
 * - latency: node A writes at R writes/s (paced against the wall clock; between wake-ups the
 *   writer sleeps on a timer, or spins with `--pacing spin`); node B timestamps each key's
 *   arrival through its store's change feed; latency = arrival - write (p50, p99), split per
 *   stage (replication-stages.ts) with the event-loop delay and GC pauses beside it; half a
 *   second of writes at the same rate goes first, unmeasured (warm-up).
 * - throughput: one node writes `--writes` distinct keys as fast as it can, with replication
 *   off (no replicator) and on (publishing every write, timed until the last batch is
 *   acknowledged by the broker), in the same run; the ratio on/off is reported. The peers
 *   are stopped first: in a cluster they run in other processes, not on the writer's thread.
 * - the same ratio through a node's client port (replication-node.ts): the built node under SET load,
 *   with `broker_address = "none"` and publishing to the mosquitto.
 * - cpu: the replicator's CPU per write in one process (replication-cpu.ts), with and without it.
 * - visible: write → visible from outside, built nodes as separate processes, SET on A's client
 *   port and MGET polled on B's (replication-visible.ts); `--runs N` repeats it on fresh clusters.
 * `--only` picks parts (latency, visible, throughput, node, cpu; all by default; options in
 * replication-options.ts).
 * Targets (DESIGN.md): p50 <= 1 ms and p99 <= 5 ms at 10k writes/s; on/off >= 0.7.
 * The report is returned as markdown; progress goes to stderr.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Store } from '@merklekv/storage';
import { createMqttPubSub, Replicator } from '@merklekv/replication';
import { waitFor } from '@merklekv/test-support';
import { percentile } from './latency.js';
import { nodeWriteRun } from './replication-node.js';
import { measureReplicationCpu } from './replication-cpu.js';
import { ProbedPubSub, stageReport, startGcMonitor, startLoopMonitor, type StageFigures, type StageReport } from './replication-stages.js';
import { startBenchBroker } from './mosquitto.js';
import { parseReplicationOptions, REPLICATION_USAGE, type Pacing, type ReplicationOptions as Options } from './replication-options.js';
import { measureVisible, visibleReport } from './replication-visible.js';

interface Node {
  readonly store: Store;
  readonly pubsub: ProbedPubSub;
  readonly replicator: Replicator | undefined;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function startReplicaNode(url: string, id: string, prefix: string, replicate: boolean): Promise<Node> {
  const store = new Store({ nodeId: id });
  const pubsub = new ProbedPubSub(createMqttPubSub({ brokerUrl: url, clientId: `${prefix}-${id}` }));
  const replicator = replicate ? new Replicator({ store, nodeId: id, topicPrefix: prefix, pubsub }) : undefined;
  await replicator?.start();
  await waitFor(`${id} connected`, () => pubsub.connected, { timeoutMs: 5000, intervalMs: 5 });
  return { store, pubsub, replicator };
}

async function stopNodes(nodes: readonly Node[]): Promise<void> {
  for (const n of nodes) {
    await n.replicator?.stop();
    await n.pubsub.close();
  }
}

/**
 * Writes on A at `rate`/s for `seconds`, measuring write → visible on B. Every write due by
 * the wall clock is made when the writer wakes; between wakes it sleeps on a timer (`timer`:
 * the event loop idles, as a server's waits for requests; at 10,000/s about ten writes per
 * wake-up) or spins through setImmediate (`spin`: one loop turn after another, each leaving a
 * promise behind: ~1 GB/s of garbage, a scavenge every few ms in the process holding all three nodes).
 */
async function measureLatency(a: Node, b: Node, rate: number, seconds: number, pacing: Pacing): Promise<{ p50: number; p99: number; count: number; achieved: number; stages: StageReport }> {
  // The keys, their index and the timestamps exist before the clock starts (typed arrays, no
  // boxed numbers): what the bench itself keeps alive during the run stays out of the way of
  // the garbage collector, whose pauses in this process are part of what is measured.
  const total = Math.round(rate * seconds);
  const keys = Array.from({ length: total }, (_, i) => `lat:${rate}:${i}`);
  const index = new Map(keys.map((k, i) => [k, i]));
  const sentAt = new Float64Array(total).fill(Number.NaN);
  const visibleAt = new Float64Array(total).fill(Number.NaN);
  let seen = 0;
  const off = b.store.subscribe((e) => {
    const at = e.origin === 'remote' ? index.get(e.key) : undefined;
    if (at === undefined || !Number.isNaN(visibleAt[at] as number)) return;
    visibleAt[at] = performance.now();
    seen++;
  });
  // Warm-up, not measured: half a second at the same rate (the first writes of a run waited
  // ~20 ms together for code paths compiled on first use and the connections' first packets).
  const warm = Array.from({ length: Math.max(100, Math.round(rate / 2)) }, (_, i) => `warm:${rate}:${i}`);
  await writePaced(a.store, warm, rate, pacing, undefined);
  const lastWarm = warm[warm.length - 1] as string;
  await waitFor('the warm-up visible on B', () => b.store.get(lastWarm) !== undefined, { timeoutMs: 30_000, intervalMs: 5 });
  a.pubsub.reset();
  b.pubsub.reset();
  a.pubsub.recording = true;
  b.pubsub.recording = true;
  const loop = startLoopMonitor();
  const gc = startGcMonitor();
  const elapsed = await writePaced(a.store, keys, rate, pacing, sentAt);
  await waitFor('every write visible on B', () => seen >= total, { timeoutMs: 30_000, intervalMs: 5 });
  off();
  loop.disable();
  const gcPauses = gc.stop();
  a.pubsub.recording = false;
  b.pubsub.recording = false;
  const sent = new Map(keys.map((k, j) => [k, sentAt[j] as number]));
  const visible = new Map(keys.map((k, j) => [k, visibleAt[j] as number]));
  const stages = stageReport(sent, visible, a.pubsub, b.pubsub, loop, gcPauses);
  const samples = Array.from(visibleAt, (t, j) => t - (sentAt[j] as number)).sort((x, y) => x - y);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), count: samples.length, achieved: total / elapsed, stages };
}

/** Writes `keys` (value: 32 bytes) at `rate`/s by the wall clock, noting when each was written; returns the seconds taken. */
async function writePaced(store: Store, keys: readonly string[], rate: number, pacing: Pacing, sentAt: Float64Array | undefined): Promise<number> {
  const value = 'x'.repeat(32);
  const total = keys.length;
  const start = performance.now();
  let i = 0;
  while (i < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000));
    for (; i < due; i++) {
      if (sentAt !== undefined) sentAt[i] = performance.now();
      store.set(keys[i] as string, value);
    }
    if (pacing === 'spin') await tick();
    else if (i < total) await sleep(Math.max(0, start + ((i + 1) * 1000) / rate - performance.now()));
  }
  return (performance.now() - start) / 1000;
}

/** Writes `writes` distinct keys on `node` in chunks; returns writes/s (until acknowledged when replicating). */
async function measureThroughput(node: Node, writes: number, label: string): Promise<number> {
  const value = 'v'.repeat(32);
  const start = performance.now();
  for (let i = 0; i < writes; i++) {
    node.store.set(`tp:${label}:${i}`, value);
    if (i % 1000 === 999) await tick();
  }
  if (node.replicator !== undefined) {
    const r = node.replicator;
    await waitFor('queue drained', () => r.stats().queueDepth === 0 && r.stats().inFlightBatches === 0, { timeoutMs: 60_000, intervalMs: 5 });
  }
  return writes / ((performance.now() - start) / 1000);
}

/** The in-process parts: write → visible latency (with its stage split) and the writer's throughput. */
async function nodeRuns(url: string, prefix: string, opts: Options, lines: string[]): Promise<void> {
  const nodes = [await startReplicaNode(url, 'A', prefix, true), await startReplicaNode(url, 'B', prefix, true), await startReplicaNode(url, 'C', prefix, true)];
  const [a, b] = nodes as [Node, Node, Node];
  if (opts.parts.has('latency')) {
    lines.push(`Write → visible on B; the writer's pacing: ${opts.pacing} (see --pacing).`, '', '| rate (writes/s) | achieved | samples | p50 A→B (ms) | p99 A→B (ms) |', '|---:|---:|---:|---:|---:|');
    const split: Array<[number, StageReport]> = [];
    for (const rate of opts.rates) {
      process.stderr.write(`latency at ${rate} writes/s (${opts.pacing} pacing)...\n`);
      const r = await measureLatency(a, b, rate, opts.seconds, opts.pacing);
      lines.push(`| ${rate} | ${Math.round(r.achieved)} | ${r.count} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} |`);
      split.push([rate, r.stages]);
    }
    const f = (x: StageFigures): string => `${x.p50.toFixed(3)} / ${x.p99.toFixed(3)} / ${x.max.toFixed(1)}`;
    lines.push(
      '',
      'Per stage, p50 / p99 / max ms (queue: set on A → batch handed to MQTT; broker: → delivered to B; apply: → visible in B\'s store; event-loop delay of the shared process beside them; GC: the process\'s garbage-collection pauses during the run, count and total / max ms):',
      '',
      '| rate (writes/s) | batches | queue | broker | apply | event-loop delay | GC pauses |',
      '|---:|---:|---:|---:|---:|---:|---:|',
      ...split.map(([rate, s]) => `| ${rate} | ${s.batches} | ${f(s.queue)} | ${f(s.broker)} | ${f(s.apply)} | ${f(s.loopDelay)} | ${s.gc.count}: ${s.gc.totalMs.toFixed(1)} / ${s.gc.maxMs.toFixed(1)} |`),
    );
  }
  // Throughput is the writer's own cost: its peers would be other processes, so they stop here.
  await stopNodes(nodes.slice(1));
  if (!opts.parts.has('throughput')) {
    await stopNodes([a]);
    return;
  }
  process.stderr.write('throughput with replication on...\n');
  const on = await measureThroughput(a, opts.writes, 'on');
  await stopNodes([a]);
  process.stderr.write('throughput with replication off...\n');
  const solo = await startReplicaNode(url, 'solo', `${prefix}-off`, false);
  const offRate = await measureThroughput(solo, opts.writes, 'off');
  await stopNodes([solo]);
  lines.push(
    '',
    '| single-node writes | writes/s |',
    '|---|---:|',
    `| replication off | ${Math.round(offRate)} |`,
    `| replication on (until acknowledged) | ${Math.round(on)} |`,
    `| ratio on/off | ${(on / offRate).toFixed(2)} |`,
    '',
  );
}

/** Runs the replication benchmarks; returns a markdown report. */
export async function benchReplication(argv: string[]): Promise<string> {
  const opts = parseReplicationOptions(argv);
  if (opts === undefined) return REPLICATION_USAGE;
  const broker = await startBenchBroker();
  const prefix = `bench-${process.pid}`;
  const lines = ['# Replication benchmark', '', `mosquitto on ${broker.url}; in-process parts: 3 nodes (Store + Replicator) in the bench's process; 32-byte values.`, ''];
  try {
    if (opts.parts.has('latency') || opts.parts.has('throughput')) await nodeRuns(broker.url, prefix, opts, lines);
    if (opts.parts.has('visible')) {
      process.stderr.write(`write → visible across ${opts.nodes} node processes, ${opts.runs} run(s)...\n`);
      const results = await measureVisible(broker, opts, (r) =>
        process.stderr.write(`  run ${r.run}, ${r.rate} writes/s: p50 ${r.latency.p50.toFixed(3)} ms, p99 ${r.latency.p99.toFixed(3)} ms, max ${r.latency.max.toFixed(1)} ms (load ${r.load.toFixed(2)})\n`),
      );
      lines.push(...visibleReport(results, opts));
    }
    if (opts.parts.has('node')) {
      process.stderr.write('node write throughput, replication off / on...\n');
      const nodeOff = await nodeWriteRun('none', opts.writes);
      const nodeOn = await nodeWriteRun(broker.url, opts.writes);
      lines.push(
        'The same through a node\'s client port (the built node, SET at pipeline depth 16 over 50 connections, replication off: `broker_address = "none"`; on: publishing to the mosquitto above):',
        '',
        '| node under SET load | ops/s | node CPU µs/op |',
        '|---|---:|---:|',
        `| replication off | ${Math.round(nodeOff.opsPerSec)} | ${nodeOff.cpuMicrosPerOp.toFixed(2)} |`,
        `| replication on | ${Math.round(nodeOn.opsPerSec)} | ${nodeOn.cpuMicrosPerOp.toFixed(2)} |`,
        `| ratio on/off | ${(nodeOn.opsPerSec / nodeOff.opsPerSec).toFixed(2)} | ${(nodeOn.cpuMicrosPerOp / nodeOff.cpuMicrosPerOp).toFixed(2)} |`,
        '',
      );
    }
    if (opts.parts.has('cpu')) {
      process.stderr.write('replicator CPU per write, off / on...\n');
      const cpu = await measureReplicationCpu(broker.url, prefix, { keys: 100_000, writes: opts.writes, rounds: 3 });
      lines.push(
        `The replicator's CPU per write in one process (\`Store.set\` overwriting 100,000 keys, ${opts.writes} writes per round, 16 per event-loop turn, 32-byte values; on: publishing to the mosquitto until acknowledged; rounds alternate):`,
        '',
        '| round | replicator | CPU µs/write | of which system | writes/s | batches | GC pauses, ms |',
        '|---:|---|---:|---:|---:|---:|---:|',
        ...cpu.rounds.map((r, i) => `| ${(i >> 1) + 1} | ${r.replicate ? 'on' : 'off'} | ${r.cpuMicrosPerWrite.toFixed(3)} | ${r.sysMicrosPerWrite.toFixed(3)} | ${Math.round(r.writesPerSec)} | ${r.batches} | ${r.gcMs.toFixed(0)} |`),
        '',
        `Median: off ${cpu.off.toFixed(3)}, on ${cpu.on.toFixed(3)} µs/write; replication costs **${(cpu.on - cpu.off).toFixed(3)} µs** per write.`,
        '',
      );
    }
    lines.push('Targets: DESIGN.md p50 <= 1 ms and p99 <= 5 ms at 10k writes/s, on/off >= 0.7; issue #14 p50 <= 0.5 ms and p99 <= 3 ms at 1k and 10k writes/s in five runs of five, on/off >= 0.85.', '');
  } finally {
    await broker.stop();
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchReplication(process.argv.slice(2)).then(
    (out) => process.stdout.write(out),
    (err: unknown) => {
      process.stderr.write(`bench replication: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
