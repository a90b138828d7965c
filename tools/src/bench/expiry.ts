/**
 * `bench expiry` (issue #16): 100,000 keys with 1-5 s TTLs expire on a node while one client
 * measures its latency; a second node with the same keys and no TTL, measured by the same client
 * in alternation, is the baseline: side by side in time, so both see the same machine load.
 *
 * Per run: start two built nodes (memory engine, no broker, anti-entropy off, admin port for
 * /metrics), write a hot set of 1,000 keys without expiry on each (what the client reads), then
 * 100,000 keys (32 B values) on each: with SET on one, with PSETEX and a TTL uniform in
 * [1000, 5000] ms on the other, pipelined. From the end of that load the client alternates GET of
 * a hot key between the two nodes, one request in flight, for `--window` seconds, recording every
 * round trip; meanwhile the expiring node's /metrics is polled every 25 ms.
 *
 * Reported: the client's p50/p99/max with and without expiry, and their ratio; when the last key
 * was due (its expireAt), and how long after that the node held no expiring key, its live-key
 * count and the data estimate were back at the baseline (hot set only, measured before the load)
 * in live data, in sweep intervals; the longest sweep step; the tombstones left (expired keys are
 * kept as tombstones for `tombstone_grace_seconds`, as deletes are).
 */
import { connect, type Socket } from 'node:net';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { ENTRY_OVERHEAD_BYTES } from '@merklekv/storage';
import { freePort } from '@merklekv/test-support';
import { BenchError, BenchErrorCode } from './errors.js';
import { positiveOption } from './options.js';
import { LatencyRecorder } from './latency.js';
import { startBenchNode, stopBenchNode } from './servers.js';

const USAGE = `Usage: bench expiry [--keys N] [--runs N] [--window S] [--interval-ms N]

  --keys N         keys with a 1-5 s TTL (default 100000)
  --runs N         runs, each with a fresh pair of nodes (default 3)
  --window S       seconds the client measures after the load (default 8)
  --interval-ms N  the node's expiry_sweep_interval_ms (default 100)
`;

const HOT = 1000;
const VALUE = 'v'.repeat(32);

interface Metrics {
  readonly t: number;
  readonly keys: number;
  readonly records: number;
  readonly dataBytes: number;
  readonly withExpiry: number;
  readonly maxStepS: number;
  readonly heapUsed: number;
}

interface Side {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly requests: number;
}

interface RunResult {
  readonly plain: Side;
  readonly exp: Side;
  readonly baseline: Metrics;
  readonly samples: Metrics[];
  /** performance.now() at which the last key was due. */
  readonly lastDue: number;
  readonly loadMs: number;
}

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.slice(name.length + 1));
}

async function scrape(adminPort: number): Promise<Metrics> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  return {
    t: performance.now(),
    keys: metric(text, 'merklekv_keys'),
    records: metric(text, 'merklekv_records'),
    dataBytes: metric(text, 'merklekv_data_bytes'),
    withExpiry: metric(text, 'merklekv_keys_with_expiry'),
    maxStepS: metric(text, 'merklekv_expiry_sweep_max_step_seconds'),
    heapUsed: metric(text, 'merklekv_nodejs_heap_size_used_bytes'),
  };
}

/** A connection that sends lines and resolves one promise per reply line, in order. */
class Conn {
  private buffer = '';
  private readonly waiting: Array<(line: string) => void> = [];
  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buffer += d;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        this.waiting.shift()?.(line);
      }
    });
  }

  static open(port: number): Promise<Conn> {
    return new Promise((res, rej) => {
      const s = connect({ port, host: '127.0.0.1' }, () => res(new Conn(s)));
      s.once('error', rej);
    });
  }

  /** Sends `lines` (each ending in \r\n) and resolves with their reply lines. */
  send(lines: string, count: number): Promise<string[]> {
    const replies: Array<Promise<string>> = [];
    for (let i = 0; i < count; i++) replies.push(new Promise((r) => this.waiting.push(r)));
    this.socket.write(lines);
    return Promise.all(replies);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A built node (the sources when there is no build) on the memory engine, its admin port serving /metrics. */
async function startExpiryNode(intervalMs: number): Promise<{ port: number; adminPort: number; stop: () => Promise<void> }> {
  const adminPort = await freePort();
  const node = await startBenchNode({
    launch: 'auto',
    toml: (port) =>
      `node_id = "expiry-bench"\n[network]\nbind_address = "127.0.0.1"\nbind_port = ${port}\n[mqtt]\nbroker_address = "none"\n` +
      `[anti_entropy]\nenabled = false\n[resp]\nenabled = false\n[admin]\nport = ${adminPort}\n[storage]\nexpiry_sweep_interval_ms = ${intervalMs}\n[logging]\nlevel = "warn"\n`,
    startTimeoutMs: 60_000,
  });
  return { port: node.port, adminPort, stop: () => stopBenchNode(node) };
}

/** Writes the keys in pipelined chunks; `ttl(i)` ms, or undefined for a plain SET. */
async function load(conn: Conn, keys: number, ttl: (i: number) => number | undefined): Promise<number> {
  let lastDue = 0;
  const CHUNK = 2000;
  for (let at = 0; at < keys; at += CHUNK) {
    let lines = '';
    const n = Math.min(CHUNK, keys - at);
    for (let i = at; i < at + n; i++) {
      const t = ttl(i);
      lines += t === undefined ? `SET exp:${i} ${VALUE}\r\n` : `PSETEX exp:${i} ${t} ${VALUE}\r\n`;
      if (t !== undefined) lastDue = Math.max(lastDue, performance.now() + t);
    }
    const replies = await conn.send(lines, n);
    if (replies.some((r) => r !== 'OK\r')) throw new BenchError(BenchErrorCode.SERVER_START_FAILED, `load failed: ${replies.find((r) => r !== 'OK\r')}`);
  }
  return lastDue;
}

/** Writes the hot set a client reads (no expiry). */
async function writeHot(conn: Conn): Promise<void> {
  let hot = '';
  for (let i = 0; i < HOT; i++) hot += `SET hot:${i} ${VALUE}\r\n`;
  await conn.send(hot, HOT);
}

/**
 * One run: two fresh nodes side by side, the same keys on both, with a 1-5 s TTL on one and
 * none on the other; then one client alternates GETs between them for the window, so both
 * latencies are sampled at the same moments, under the same load from the rest of the machine.
 */
async function run(keys: number, windowS: number, intervalMs: number, seed: number): Promise<RunResult> {
  const plainNode = await startExpiryNode(intervalMs);
  const expNode = await startExpiryNode(intervalMs).catch(async (err: unknown) => {
    await plainNode.stop();
    throw err;
  });
  try {
    const plainConn = await Conn.open(plainNode.port);
    const expConn = await Conn.open(expNode.port);
    await writeHot(plainConn);
    await writeHot(expConn);
    const baseline = await scrape(expNode.adminPort);
    let x = seed;
    const random = (): number => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    await load(plainConn, keys, () => undefined);
    const loadStart = performance.now();
    const lastDue = await load(expConn, keys, () => 1000 + Math.floor(random() * 4001));
    const loadMs = performance.now() - loadStart;

    const samples: Metrics[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push(await scrape(expNode.adminPort));
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const plainLatency = new LatencyRecorder(1 << 18);
    const expLatency = new LatencyRecorder(1 << 18);
    const end = performance.now() + windowS * 1000;
    let i = 0;
    while (performance.now() < end) {
      const line = `GET hot:${i++ % HOT}\r\n`;
      const t0 = performance.now();
      await expConn.send(line, 1);
      const t1 = performance.now();
      await plainConn.send(line, 1);
      const t2 = performance.now();
      expLatency.record((t1 - t0) * 1000);
      plainLatency.record((t2 - t1) * 1000);
    }
    sampling = false;
    await sampler;
    plainConn.close();
    expConn.close();
    const side = (l: LatencyRecorder): Side => {
      const s = l.summary();
      return { p50: s.p50, p99: s.p99, max: s.max, requests: s.count };
    };
    return { plain: side(plainLatency), exp: side(expLatency), baseline, samples, lastDue, loadMs };
  } finally {
    await plainNode.stop();
    await expNode.stop();
  }
}

/** When (ms after the last key was due) a sample first met `ok` and every later one did too. */
function settledAfter(r: RunResult, ok: (m: Metrics) => boolean): number | undefined {
  let since: number | undefined;
  for (const m of r.samples) {
    if (ok(m)) since ??= m.t;
    else since = undefined;
  }
  return since === undefined ? undefined : Math.max(0, since - r.lastDue);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[(s.length - 1) >> 1] as number) / 2 + (s[s.length >> 1] as number) / 2;
};

export async function benchExpiry(argv: string[]): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    options: { keys: { type: 'string' }, runs: { type: 'string' }, window: { type: 'string' }, 'interval-ms': { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help === true) return USAGE;
  const keys = positiveOption('keys', values.keys, 100_000);
  const runs = positiveOption('runs', values.runs, 3);
  const windowS = positiveOption('window', values.window, 8);
  const intervalMs = positiveOption('interval-ms', values['interval-ms'], 100);
  const rows: string[] = [];
  const ratios: number[] = [];
  const settled: number[] = [];
  for (let r = 0; r < runs; r++) {
    process.stderr.write(`run ${r + 1}/${runs}\n`);
    const result = await run(keys, windowS, intervalMs, 7 + r);
    const { plain, exp } = result;
    const load1 = (loadavg()[0] ?? Number.NaN).toFixed(1);
    const base = result.baseline;
    const gone = settledAfter(result, (m) => m.withExpiry === 0 && m.keys === base.keys);
    // Every expired key leaves a tombstone (key and version, no value) for tombstone_grace_seconds:
    // the estimate is back at its baseline plus exactly their charge once every value is freed.
    const tombstoneBytes = keys * TOMBSTONE_CHARGE + keyBytes(keys);
    const dataBack = settledAfter(result, (m) => m.records - m.keys === keys && m.dataBytes === base.dataBytes + tombstoneBytes);
    const last = result.samples[result.samples.length - 1];
    const ratio = exp.p99 / plain.p99;
    ratios.push(ratio);
    if (gone !== undefined) settled.push(gone);
    rows.push(
      `| ${r + 1} | ${plain.p50.toFixed(0)} / ${plain.p99.toFixed(0)} / ${plain.max.toFixed(0)} | ${exp.p50.toFixed(0)} / ${exp.p99.toFixed(0)} / ${exp.max.toFixed(0)} | ${ratio.toFixed(2)} | ` +
        `${(result.loadMs / 1000).toFixed(2)} | ${gone === undefined ? 'not within the window' : `${gone.toFixed(0)} ms (${(gone / intervalMs).toFixed(1)} intervals)`} | ` +
        `${dataBack === undefined ? '-' : `${dataBack.toFixed(0)} ms`} | ${last ? (last.maxStepS * 1000).toFixed(2) : '-'} | ${last ? last.records - last.keys : '-'} | ${exp.requests} | ${load1} |`,
    );
  }
  let out = `## bench expiry: ${keys.toLocaleString('en-US')} keys with 1-5 s TTLs, ${runs} runs, client window ${windowS} s, sweep interval ${intervalMs} ms\n\n`;
  out +=
    'Two nodes side by side, the same keys on both (TTL on one, none on the other). One client alternates a GET of a hot key (1,000 keys without expiry) between them, one request in flight, every round trip recorded (µs).\n\n';
  out +=
    '| run | without expiry p50 / p99 / max (µs) | with expiry p50 / p99 / max (µs) | p99 ratio | load (s) | last key due → no expiring key, live keys at baseline | → data estimate = baseline + tombstones (every value freed) | longest sweep step (ms) | tombstones left | requests per node | load average (1 min, 2 cores) |\n';
  out += '|---|---|---|---|---|---|---|---|---|---|---|\n';
  out += `${rows.join('\n')}\n\n`;
  out += `Median p99 ratio (with / without expiry): ${median(ratios).toFixed(2)}. Median time from the last key's expireAt to no expiring key and the live-key count back at its baseline: ${median(settled).toFixed(0)} ms (${(median(settled) / intervalMs).toFixed(1)} sweep intervals).\n`;
  return out;
}

/** The estimate's fixed charge per record (@merklekv/storage ENTRY_OVERHEAD_BYTES): a tombstone's charge beside its key. */
const TOMBSTONE_CHARGE = ENTRY_OVERHEAD_BYTES;

/** The key characters of `exp:0` .. `exp:<n-1>`. */
function keyBytes(n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += 4 + String(i).length;
  return sum;
}
