/**
 * Broker fan-out capacity (`bench fanout [--nodes 3,6,9] [--rate 1000] [--seconds 10]`).
 *
 * One Debian mosquitto, configured by the shipped deploy/mosquitto/site-a.conf
 * (its port changed only), and for each cluster size N, N in-process nodes
 * (Store + Replicator, each with its own MQTT connection). The cluster writes
 * `--rate` distinct-key writes per second in total (32-byte values, paced
 * against the wall clock, spread over the nodes round-robin). Over a window
 * of `--seconds` after a one-second warm-up it measures the events the nodes
 * received from each other (the broker's useful egress; the model says
 * W×(N−1)), the messages the broker sent them (echoes of their own batches
 * included), and the CPU of the broker (/proc) and of this process.
 * The report is markdown on stdout; progress goes to stderr.
 */
import { readFileSync } from 'node:fs';
import { Store } from '@merklekv/storage';
import { createMqttPubSub, Replicator, type PubSub } from '@merklekv/replication';
import { freePort, Mosquitto, sleep, waitFor } from '@merklekv/test-support';
import { processTreeCpuSeconds } from './cpu-time.js';
import { BenchError, BenchErrorCode } from './errors.js';
import { formatFanoutTable, type FanoutRow } from './fanout-model.js';

const USAGE = `Usage: bench fanout [--nodes 3,6,9] [--rate 1000] [--seconds 10]

  --nodes    cluster sizes to measure, one after the other
  --rate     writes per second over the whole cluster (fixed for every size)
  --seconds  length of each measured window (after a 1 s warm-up)
`;

interface Options {
  readonly nodes: number[];
  readonly rate: number;
  readonly seconds: number;
}

interface BenchNode {
  readonly store: Store;
  readonly pubsub: PubSub;
  readonly replicator: Replicator;
}

const KEYSPACE = 100_000;
const VALUE = 'v'.repeat(32);
const ROOT = new URL('../../../', import.meta.url);

function parseArgs(argv: string[]): Options | undefined {
  const opts = { nodes: [3, 6, 9], rate: 1000, seconds: 10 };
  const args = argv.filter((a) => a !== '--');
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = args[i + 1] ?? '';
    if (flag === '--help' || flag === '-h') return undefined;
    if (flag === '--nodes') opts.nodes = value.split(',').map(Number);
    else if (flag === '--rate') opts.rate = Number(value);
    else if (flag === '--seconds') opts.seconds = Number(value);
    else throw new BenchError(BenchErrorCode.INVALID_OPTION, `unknown option '${String(flag)}'\n${USAGE}`);
    i++;
  }
  if (opts.nodes.some((n) => !Number.isInteger(n) || n < 2) || !(opts.rate > 0) || !(opts.seconds > 0)) {
    throw new BenchError(BenchErrorCode.INVALID_OPTION, `--nodes takes integers >= 2, --rate and --seconds positive numbers\n${USAGE}`);
  }
  return opts;
}

/** mosquitto (test-support's Mosquitto) with the shipped site-a.conf, its listener moved to a free loopback port. */
async function startShippedMosquitto(): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const shipped = readFileSync(new URL('deploy/mosquitto/site-a.conf', ROOT), 'utf8');
  if (!/^listener 1883$/m.test(shipped)) throw new BenchError(BenchErrorCode.SERVER_START_FAILED, 'deploy/mosquitto/site-a.conf has no `listener 1883` line to move');
  let broker: Mosquitto;
  try {
    broker = await Mosquitto.start({ port, config: shipped.replace(/^listener 1883$/m, `listener ${port} 127.0.0.1`), name: 'site-a' });
  } catch (err) {
    throw new BenchError(BenchErrorCode.SERVER_START_FAILED, `mosquitto did not start (is it installed?): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return { url: broker.url, pid: broker.pid as number, stop: () => broker.stop() };
}

async function startNodes(url: string, count: number, prefix: string): Promise<BenchNode[]> {
  const nodes: BenchNode[] = [];
  for (let i = 1; i <= count; i++) {
    const id = `n${i}`;
    const store = new Store({ nodeId: id });
    const pubsub = createMqttPubSub({ brokerUrl: url, clientId: `${prefix}-${id}` });
    const replicator = new Replicator({ store, nodeId: id, topicPrefix: prefix, pubsub });
    await replicator.start();
    nodes.push({ store, pubsub, replicator });
  }
  await waitFor('every node connected', () => nodes.every((n) => n.pubsub.connected), { timeoutMs: 10_000, intervalMs: 5 });
  return nodes;
}

/** Sums of the nodes' receive counters. */
function received(nodes: readonly BenchNode[]): { events: number; messages: number } {
  let events = 0;
  let messages = 0;
  for (const n of nodes) {
    const s = n.replicator.stats();
    events += s.received;
    messages += s.receivedBatches + s.ownIgnored;
  }
  return { events, messages };
}

/** Writes at `rate`/s over the nodes, round-robin, for `ms`; returns the writes made. */
async function pacedWrites(nodes: readonly BenchNode[], rate: number, ms: number, first: number): Promise<number> {
  const start = performance.now();
  let i = 0;
  for (;;) {
    const elapsed = performance.now() - start;
    const due = Math.floor((Math.min(elapsed, ms) * rate) / 1000);
    for (; i < due; i++) {
      const n = first + i;
      (nodes[n % nodes.length] as BenchNode).store.set(`k:${n % KEYSPACE}`, VALUE);
    }
    if (elapsed >= ms) return i;
    await sleep(1);
  }
}

async function measure(url: string, brokerPid: number, count: number, opts: Options): Promise<FanoutRow> {
  const prefix = `bench-fanout-${process.pid}-${count}`;
  const nodes = await startNodes(url, count, prefix);
  try {
    const warm = await pacedWrites(nodes, opts.rate, 1000, 0);
    const before = { got: received(nodes), broker: processTreeCpuSeconds(brokerPid), self: process.cpuUsage(), at: performance.now() };
    const writes = await pacedWrites(nodes, opts.rate, opts.seconds * 1000, warm);
    const seconds = (performance.now() - before.at) / 1000;
    const got = received(nodes);
    const self = process.cpuUsage(before.self);
    return {
      nodes: count,
      writesPerSec: writes / seconds,
      deliveredEventsPerSec: (got.events - before.got.events) / seconds,
      messagesOutPerSec: (got.messages - before.got.messages) / seconds,
      brokerCpuPercent: ((processTreeCpuSeconds(brokerPid) - before.broker) / seconds) * 100,
      nodesCpuPercent: ((self.user + self.system) / 1e6 / seconds) * 100,
    };
  } finally {
    for (const n of nodes) {
      await n.replicator.stop();
      await n.pubsub.close();
    }
  }
}

/** Runs the fan-out benchmark; returns a markdown report. */
export async function benchFanout(argv: string[]): Promise<string> {
  const opts = parseArgs(argv);
  if (opts === undefined) return USAGE;
  const broker = await startShippedMosquitto();
  const rows: FanoutRow[] = [];
  try {
    for (const count of opts.nodes) {
      process.stderr.write(`${count} nodes at ${opts.rate} writes/s for ${opts.seconds} s...\n`);
      rows.push(await measure(broker.url, broker.pid, count, opts));
    }
  } finally {
    await broker.stop();
  }
  return [
    '# Broker fan-out',
    '',
    `mosquitto (deploy/mosquitto/site-a.conf), N in-process nodes, ${opts.rate} writes/s over the cluster (32-byte values, ${KEYSPACE.toLocaleString('en')}-key space), ${opts.seconds} s windows.`,
    '',
    formatFanoutTable(rows),
    '',
  ].join('\n');
}
