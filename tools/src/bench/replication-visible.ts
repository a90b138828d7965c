/**
 * `bench replication --only visible`: write → visible measured from outside, as
 * a client of a cluster sees it. The built node (`npx nx build node`) runs as
 * separate processes (one per node, as deployed), replicating through the
 * bench's mosquitto, anti-entropy on at its defaults. In the bench process:
 * - a writer connected to node A's client port sends `SET v<rate>:<i> <32 bytes>`
 *   paced at R writes/s by the wall clock (a timer between wake-ups, every write
 *   due at a wake-up in one socket write), noting when each went on the socket;
 * - a reader connected to node B's client port sends `MGET` of the keys written
 *   and not yet seen (at most 256, lowest first), one request at a time, back to
 *   back while any key is outstanding; a key is visible at the arrival of the
 *   first reply that has its value. That reply's round trip bounds the error
 *   (the key appeared somewhere between the previous poll and this one), so the
 *   poll round trip is reported beside the latency as the measurement's resolution.
 * Half a second of writes at the same rate goes first, unmeasured. Latency per key:
 * visible on B − written on A, one clock (performance.now()). Beside it, to say where a
 * tail comes from: with `--split`, the same keys split where a subscriber in the bench
 * process got their batch from the broker; the run-queue wait of A's, B's, the broker's and the bench's main
 * threads (/proc schedstat: ready to run, kept off the CPUs by other processes); the
 * bench's own event-loop delay; the load average.
 */
import { mkdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createMqttPubSub, decodeBatch, type PubSub } from '@merklekv/replication';
import { freePort, waitFor, type NodeProcess } from '@merklekv/test-support';
import { BenchError, BenchErrorCode } from './errors.js';
import { LatencyRecorder } from './latency.js';
import { LineReplyCounter } from './line-counter.js';
import type { BenchBroker } from './mosquitto.js';
import { startLoopMonitor } from './replication-stages.js';
import { mainThreadSchedstat, runMsBetween, waitMsBetween } from './schedstat.js';
import { nodeConfigToml, startBenchNode, stopBenchNode } from './servers.js';
import { MgetReplyReader, splitAt, spreadOf, VisibilityLog, type Spread } from './visibility.js';

/** What the visible part needs from the bench's options. */
export interface VisibleOptions {
  readonly rates: readonly number[];
  readonly seconds: number;
  readonly runs: number;
  readonly nodes: number;
  readonly nodeArgs: readonly string[];
  readonly nodeLogs: string | undefined;
  readonly split: boolean;
}

/** A figure for the main thread of A, B, the broker and the bench. */
export interface PerProcess {
  readonly a: number;
  readonly b: number;
  readonly broker: number;
  readonly bench: number;
}

/** One rate of one run. */
export interface VisibleResult {
  readonly run: number;
  readonly rate: number;
  /** Writes/s achieved by the writer. */
  readonly achieved: number;
  /** Write → visible on B (ms). */
  readonly latency: Spread;
  /** MGET round trips of the reader (ms): the resolution. */
  readonly poll: Spread;
  /**
   * The same keys split where a subscriber in the bench process received their batch from the
   * broker: SET on A → there, there → visible on B (ms), over the keys it saw.
   */
  readonly split: { readonly toBroker: Spread; readonly fromBroker: Spread; readonly observed: number } | undefined;
  /** The bench process's own event-loop delay, p99 and max (ms): a stalled observer inflates what it measures. */
  readonly benchLoop: { readonly p99: number; readonly max: number };
  /**
   * How long the main threads of A, B, the broker and the bench, ready to run, waited for a
   * CPU during the measurement (ms, from /proc/<pid>/task/<pid>/schedstat; NaN where unreadable).
   */
  readonly runQueueWaitMs: PerProcess;
  /** The CPU time of the same main threads during the measurement (ms). */
  readonly cpuMs: PerProcess;
  /** The 1-minute load average at the end of the rate's measurement. */
  readonly load: number;
}

const VALUE = 'x'.repeat(32);
/** Keys per MGET at most: a stall leaves many outstanding; the lowest are looked for first. */
const MAX_KEYS_PER_POLL = 256;
/** How long after the last write every key must be visible. */
const VISIBLE_DEADLINE_MS = 30_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A client connection to a node (nothing is sent on it yet, so no reply can be missed before the caller listens). */
async function openClient(port: number): Promise<Socket> {
  const sock = connect({ host: '127.0.0.1', port, noDelay: true });
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', (err) => reject(new BenchError(BenchErrorCode.CONNECTION_FAILED, `cannot connect to the node on 127.0.0.1:${port}: ${err.message}`, { cause: err })));
  });
  return sock;
}

/** The writer: SETs on A, paced; counts the replies, which must all be `OK`. */
class Writer {
  private constructor(
    private readonly sock: Socket,
    private readonly counter: LineReplyCounter,
  ) {}

  static async open(port: number): Promise<Writer> {
    const counter = new LineReplyCounter();
    const sock = await openClient(port);
    const writer = new Writer(sock, counter);
    sock.on('data', (chunk: Buffer) => counter.write(chunk));
    sock.on('error', (err) => {
      writer.failure = err;
    });
    return writer;
  }

  /** Set when the connection failed; the next send throws it. */
  private failure: Error | undefined;

  get replies(): number {
    return this.counter.replies;
  }

  get errors(): number {
    return this.counter.errors;
  }

  /** @throws BenchError `CONNECTION_FAILED` once the connection to A failed */
  send(text: string): void {
    if (this.failure !== undefined) throw new BenchError(BenchErrorCode.CONNECTION_FAILED, `the writer's connection to node A failed: ${this.failure.message}`, { cause: this.failure });
    this.sock.write(text);
  }

  close(): void {
    this.sock.destroy();
  }
}

/** The reader: one MGET at a time on B. */
class Reader {
  private readonly replies = new MgetReplyReader();
  private waiting: { resolve: (present: boolean[]) => void; reject: (err: unknown) => void } | undefined;
  private constructor(private readonly sock: Socket) {}

  static async open(port: number): Promise<Reader> {
    const sock = await openClient(port);
    const reader = new Reader(sock);
    sock.on('data', (chunk: Buffer) => reader.onData(chunk));
    sock.on('error', (err) => reader.fail(err));
    sock.on('close', () => reader.fail(new BenchError(BenchErrorCode.CONNECTION_FAILED, "node B closed the reader's connection")));
    return reader;
  }

  /** Which of `keys` B holds. */
  mget(keys: readonly string[]): Promise<boolean[]> {
    this.replies.expect(keys.length);
    const reply = new Promise<boolean[]>((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
    this.sock.write(`MGET ${keys.join(' ')}\r\n`);
    return reply;
  }

  close(): void {
    this.waiting = undefined;
    this.sock.destroy();
  }

  private onData(chunk: Buffer): void {
    try {
      const present = this.replies.feed(chunk);
      if (present !== undefined) this.settle()?.resolve(present);
    } catch (err) {
      this.fail(err);
    }
  }

  private fail(err: unknown): void {
    this.settle()?.reject(err);
  }

  private settle(): Reader['waiting'] {
    const w = this.waiting;
    this.waiting = undefined;
    return w;
  }
}

/** A subscriber to the cluster's updates in the bench process: when each batch came from the broker. */
class BrokerObserver {
  recording = false;
  private seen: Array<{ at: number; payload: Buffer }> = [];
  private constructor(private readonly pubsub: PubSub) {}

  static async open(brokerUrl: string, prefix: string): Promise<BrokerObserver> {
    const pubsub = createMqttPubSub({ brokerUrl, clientId: `${prefix}-observer` });
    const observer = new BrokerObserver(pubsub);
    await pubsub.subscribe(`${prefix}/updates`, (_topic, payload) => {
      if (observer.recording) observer.seen.push({ at: performance.now(), payload });
    });
    await waitFor('the observer connected to the broker', () => pubsub.connected, { timeoutMs: 10_000, intervalMs: 10 });
    return observer;
  }

  /** Key → when its first batch arrived, for what was recorded; clears the record. */
  take(): Map<string, number> {
    const at = new Map<string, number>();
    for (const s of this.seen) {
      const r = decodeBatch(s.payload);
      if (!r.ok) continue;
      for (const e of r.batch.events) if (!at.has(e.key)) at.set(e.key, s.at);
    }
    this.seen = [];
    return at;
  }

  close(): Promise<void> {
    return this.pubsub.close();
  }
}

/**
 * Writes `keys` on A at `rate`/s while polling B until every one is visible.
 * @throws BenchError when a SET fails or keys are still missing {@link VISIBLE_DEADLINE_MS} after the last write
 */
async function measure(writer: Writer, reader: Reader, keys: readonly string[], rate: number): Promise<{ log: VisibilityLog; polls: LatencyRecorder; seconds: number }> {
  const total = keys.length;
  const log = new VisibilityLog(total);
  const commands = keys.map((k) => `SET ${k} ${VALUE}\r\n`);
  const polls = new LatencyRecorder(total * 8);
  let wake: (() => void) | undefined;
  let writingDone = false;
  let writtenAt = Number.NaN;

  const write = async (): Promise<number> => {
    const start = performance.now();
    let i = 0;
    while (i < total) {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000));
      if (due > i) {
        const text = due - i === 1 ? (commands[i] as string) : commands.slice(i, due).join('');
        log.markWritten(due - i, performance.now());
        writer.send(text);
        i = due;
        wake?.();
      }
      if (i < total) await sleep(Math.max(0, start + ((i + 1) * 1000) / rate - performance.now()));
    }
    writtenAt = performance.now();
    writingDone = true;
    wake?.();
    return (writtenAt - start) / 1000;
  };

  const read = async (): Promise<void> => {
    const idx: number[] = [];
    const batch: string[] = [];
    while (!log.complete) {
      log.pending(MAX_KEYS_PER_POLL, idx);
      if (idx.length === 0) {
        // Nothing outstanding: wait for the writer's next write instead of polling an idle node.
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      if (writingDone && performance.now() - writtenAt > VISIBLE_DEADLINE_MS) {
        throw new BenchError(BenchErrorCode.CONNECTION_FAILED, `${total - log.seenCount} of ${total} keys written on A were not visible on B ${VISIBLE_DEADLINE_MS / 1000} s after the last write`);
      }
      batch.length = 0;
      for (const i of idx) batch.push(keys[i] as string);
      const t0 = performance.now();
      const present = await reader.mget(batch);
      const t1 = performance.now();
      polls.record(t1 - t0);
      for (let j = 0; j < idx.length; j++) if (present[j] === true) log.markSeen(idx[j] as number, t1);
    }
  };

  const [seconds] = await Promise.all([write(), read()]);
  const deadline = performance.now() + VISIBLE_DEADLINE_MS;
  while (writer.replies < total && performance.now() < deadline) await sleep(5);
  if (writer.errors > 0 || writer.replies < total) {
    throw new BenchError(BenchErrorCode.CONNECTION_FAILED, `node A answered ${writer.replies} of ${total} SETs, ${writer.errors} of them with ERROR`);
  }
  return { log, polls, seconds };
}

/** Sets a probe key on A until B shows it: replication is up end to end. */
async function untilReplicating(writer: Writer, reader: Reader, probe: string): Promise<void> {
  const deadline = performance.now() + 30_000;
  let sentReplies = writer.replies;
  while (performance.now() < deadline) {
    writer.send(`SET ${probe} ${VALUE}\r\n`);
    sentReplies++;
    for (let t = 0; t < 20; t++) {
      const [present] = await reader.mget([probe]);
      if (present === true && writer.replies >= sentReplies) return;
      await sleep(10);
    }
  }
  throw new BenchError(BenchErrorCode.SERVER_START_FAILED, `a key set on node A was not visible on node B within 30 s: replication through the broker is not working (see --node-logs)`);
}

/** Starts `count` built nodes on `broker` (A, B, C, ...), in parallel. */
async function startCluster(broker: string, prefix: string, opts: VisibleOptions, run: number): Promise<NodeProcess[]> {
  if (opts.nodeLogs !== undefined) mkdirSync(opts.nodeLogs, { recursive: true });
  const ids = Array.from({ length: opts.nodes }, (_, i) => `vis-${String.fromCharCode(97 + i)}`);
  const started = await Promise.allSettled(
    ids.map(async (id) => {
      const port = await freePort();
      return startBenchNode({
        launch: 'built',
        port,
        nodeArgs: opts.nodeArgs,
        toml: nodeConfigToml(port, { broker, antiEntropy: true, nodeId: id, topicPrefix: prefix }),
        startTimeoutMs: 30_000,
        logFile: opts.nodeLogs === undefined ? undefined : join(opts.nodeLogs, `${run}-${id}.log`),
      });
    }),
  );
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(nodes.map((n) => stopBenchNode(n)));
    throw failed.reason;
  }
  return nodes;
}

/**
 * Runs the visible part: `runs` fresh clusters, each measuring every rate in turn.
 * @param onResult called after each rate of each run (progress)
 */
export async function measureVisible(broker: Pick<BenchBroker, 'url' | 'pid'>, opts: VisibleOptions, onResult: (r: VisibleResult) => void = () => undefined): Promise<VisibleResult[]> {
  const results: VisibleResult[] = [];
  for (let run = 1; run <= opts.runs; run++) {
    const prefix = `bench-vis-${process.pid}-${run}`;
    const nodes = await startCluster(broker.url, prefix, opts, run);
    const [a, b] = nodes as [NodeProcess, NodeProcess];
    let writer: Writer | undefined;
    let reader: Reader | undefined;
    let observer: BrokerObserver | undefined;
    try {
      if (opts.split) observer = await BrokerObserver.open(broker.url, prefix);
      writer = await Writer.open(a.port);
      reader = await Reader.open(b.port);
      await untilReplicating(writer, reader, 'probe');
      for (const rate of opts.rates) {
        const warm = Array.from({ length: Math.max(100, Math.round(rate / 2)) }, (_, i) => `w${rate}:${i}`);
        await measure(writer, reader, warm, rate);
        const keys = Array.from({ length: Math.round(rate * opts.seconds) }, (_, i) => `v${rate}:${i}`);
        const pids = { a: a.pid, b: b.pid, broker: broker.pid, bench: process.pid };
        const snapshot = (): Record<keyof typeof pids, ReturnType<typeof mainThreadSchedstat>> => ({
          a: pids.a === undefined ? undefined : mainThreadSchedstat(pids.a),
          b: pids.b === undefined ? undefined : mainThreadSchedstat(pids.b),
          broker: pids.broker === undefined ? undefined : mainThreadSchedstat(pids.broker),
          bench: mainThreadSchedstat(pids.bench),
        });
        const loop = startLoopMonitor();
        const before = snapshot();
        if (observer !== undefined) observer.recording = true;
        const m = await measure(writer, reader, keys, rate);
        if (observer !== undefined) observer.recording = false;
        const after = snapshot();
        loop.disable();
        const passed = observer?.take();
        const parts = passed === undefined ? undefined : splitAt(m.log, (i) => passed.get(keys[i] as string));
        const split = parts === undefined ? undefined : { toBroker: parts.before, fromBroker: parts.after, observed: parts.observed };
        const between = (f: typeof waitMsBetween): PerProcess => ({ a: f(before.a, after.a), b: f(before.b, after.b), broker: f(before.broker, after.broker), bench: f(before.bench, after.bench) });
        const runQueueWaitMs = between(waitMsBetween);
        const cpuMs = between(runMsBetween);
        const benchLoop = { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 };
        const r: VisibleResult = { run, rate, achieved: keys.length / m.seconds, latency: spreadOf(m.log.latencies()), poll: m.polls.summary(), split, benchLoop, runQueueWaitMs, cpuMs, load: loadavg()[0] as number };
        results.push(r);
        onResult(r);
      }
    } finally {
      writer?.close();
      reader?.close();
      await observer?.close();
      await Promise.all(nodes.map((n) => stopBenchNode(n)));
    }
  }
  return results;
}

/** The markdown table of {@link measureVisible}'s results, and how many runs met the target per rate. */
export function visibleReport(results: readonly VisibleResult[], opts: VisibleOptions): string[] {
  const ms = (x: number): string => x.toFixed(3);
  const spread = (x: Spread): string => `${ms(x.p50)} / ${ms(x.p99)} / ${x.max.toFixed(1)}`;
  const each = (p: PerProcess): string => [p.a, p.b, p.broker, p.bench].map((w) => (Number.isNaN(w) ? '?' : w.toFixed(0))).join(' / ');
  const lines = [
    `Write → visible across processes: ${opts.nodes} built nodes (one process each, anti-entropy on at its defaults) on the mosquitto above; SET on A's client port at R writes/s (timer pacing, 32-byte values), B's client port polled with back-to-back MGETs of the keys not yet seen; ${opts.seconds} s measured per rate after 0.5 s of warm-up; a fresh cluster per run.` +
      (opts.nodeArgs.length > 0 ? ` Node flags: \`${opts.nodeArgs.join(' ')}\`.` : ''),
    '',
    '| run | rate (writes/s) | achieved | keys | p50 (ms) | p99 (ms) | max (ms) | poll round trip p50 / p99 (ms) | polls | bench loop delay p99 / max (ms, 1 = none) | run-queue wait A / B / broker / bench (ms) | CPU A / B / broker / bench (ms) | load avg (1 min) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.run} | ${r.rate} | ${Math.round(r.achieved)} | ${r.latency.count} | ${ms(r.latency.p50)} | ${ms(r.latency.p99)} | ${ms(r.latency.max)} | ${ms(r.poll.p50)} / ${ms(r.poll.p99)} | ${r.poll.count} | ${r.benchLoop.p99.toFixed(1)} / ${r.benchLoop.max.toFixed(1)} | ${each(r.runQueueWaitMs)} | ${each(r.cpuMs)} | ${r.load.toFixed(2)} |`,
    ),
    '',
  ];
  const splits = results.flatMap((r) => (r.split === undefined ? [] : [{ ...r, split: r.split }]));
  if (splits.length > 0) {
    lines.push(
      'The same keys split where a subscriber in the bench process got their batch from the broker (`--split`; p50 / p99 / max ms): SET on A → published by A and forwarded by mosquitto; → visible on B (delivery to B, apply, and the poll that saw it):',
      '',
      '| run | rate (writes/s) | keys observed | SET on A → broker | broker → visible on B |',
      '|---:|---:|---:|---:|---:|',
      ...splits.map((r) => `| ${r.run} | ${r.rate} | ${r.split.observed} | ${spread(r.split.toBroker)} | ${spread(r.split.fromBroker)} |`),
      '',
    );
  }
  for (const rate of opts.rates) {
    const runs = results.filter((r) => r.rate === rate);
    const met = runs.filter((r) => r.latency.p50 <= 0.5 && r.latency.p99 <= 3).length;
    lines.push(`- ${rate} writes/s: ${met} of ${runs.length} runs meet p50 ≤ 0.5 ms and p99 ≤ 3 ms (issue #14).`);
  }
  lines.push('');
  return lines;
}
