/**
 * Anti-entropy through `SYNC` between two built nodes (`apps/node/dist/main.js`,
 * `npx nx build node`), no broker, 11-byte keys and 32-byte values: the target
 * table of issue 17. Every case starts a fresh pair of nodes, loads them
 * through MSET, then asks node B to `SYNC` with node A and reads the reply's
 * `round_trips= bytes= keys_pulled= keys_pushed= ms=`. "records" is the size of
 * the differing records in the RECORDS/GETV line form (`key ts node deleted
 * value\r\n`), the data a perfect protocol would move once.
 *
 * `npx nx bench tools -- anti-entropy [--big] [--latency-ms 20] [--skip-latency]`
 *   --big           adds the 1M-key cases (empty node joining 1M keys, then identical 1M replicas)
 *   --latency-ms n  the delay added per direction by the e2e fault proxy (default 20)
 *   --skip-latency  no delayed runs
 *   --only text     runs only the cases whose name contains `text` (e.g. `--only differing`)
 *   --cpu-prof dir  the nodes write V8 CPU profiles into `dir` (node --cpu-prof)
 *   --sweep         instead: the small-subtree threshold and hash width measured in-process (anti-entropy-sweep.ts)
 */
import { join, resolve } from 'node:path';
import { createClient } from '@merklekv/client';
import type { MerkleKVClient } from '@merklekv/client';
import { ManagedProcess, REPO_ROOT, waitFor } from '@merklekv/test-support';
import { startBenchNode, stopBenchNode } from './servers.js';

const VALUE_BYTES = 32;
/** Extra node flags (`--cpu-prof`). */
let nodeFlags: string[] = [];

interface Node {
  readonly port: number;
  readonly client: MerkleKVClient;
  stop(): Promise<void>;
}

interface SyncFigures {
  readonly roundTrips: number;
  readonly bytes: number;
  readonly pulled: number;
  readonly pushed: number;
  readonly ms: number;
  readonly mode: string;
}

interface Row {
  readonly name: string;
  readonly records: number;
  readonly sync: SyncFigures;
  readonly delayed?: SyncFigures;
}

/** An 11-byte key: `k` and 10 digits. */
const key = (i: number): string => `k${String(i).padStart(10, '0')}`;
/** A 32-byte value that differs per key and per writer. */
const value = (i: number, tag: string): string => `${tag}${String(i).padStart(10, '0')}`.padEnd(VALUE_BYTES, 'x');

async function startSyncNode(name: string): Promise<Node> {
  const node = await startBenchNode({
    launch: 'built',
    nodeArgs: ['--max-old-space-size=4096', ...nodeFlags],
    toml: (port) =>
      `node_id = "${name}"\n[network]\nbind_address = "127.0.0.1"\nbind_port = ${port}\nmax_connections = 1000\n` +
      `[mqtt]\nbroker_address = "none"\n[anti_entropy]\nenabled = true\ninterval_seconds = 86400\n[resp]\nenabled = false\n[logging]\nlevel = "warn"\n`,
    startTimeoutMs: 30_000,
  });
  const client = createClient({ port: node.port, timeoutMs: 600_000 });
  return {
    port: node.port,
    client,
    async stop() {
      await client.close().catch(() => undefined);
      await stopBenchNode(node, 10_000);
    },
  };
}

/** Starts the fault proxy (e2e's fault-proxy-main.ts, its own process) in front of `targetPort`, holding every chunk `delayMs` each way. */
async function startProxy(targetPort: number, delayMs: number): Promise<{ port: number; stop: () => Promise<void> }> {
  const child = new ManagedProcess({
    command: process.execPath,
    args: ['--import', 'tsx', join(REPO_ROOT, 'e2e/cluster/src/harness/fault-proxy-main.ts'), String(targetPort), String(delayMs)],
    cwd: REPO_ROOT,
    env: { TSX_TSCONFIG_PATH: join(REPO_ROOT, 'tsconfig.base.json') },
  });
  let port: number | undefined;
  child.onLine((line) => {
    const m = /^PORT (\d+)$/.exec(line);
    if (m) port = Number(m[1]);
  });
  child.spawn();
  try {
    const listening = await waitFor('the fault proxy to print its port', () => port ?? (child.running ? undefined : ('exited' as const)), 30_000);
    if (listening === 'exited') throw new Error(`the fault proxy exited with ${String(child.exitCode)}: ${child.output()}`);
    return { port: listening, stop: () => child.stop(10_000) };
  } catch (err) {
    await child.kill9();
    throw err;
  }
}

/** Writes keys [from, to) with `tag` values through pipelined MSETs of 500 pairs. */
async function load(node: Node, from: number, to: number, tag: string): Promise<void> {
  const inFlight: Promise<unknown>[] = [];
  for (let i = from; i < to; i += 500) {
    const pairs: Array<[string, string]> = [];
    for (let j = i; j < Math.min(i + 500, to); j++) pairs.push([key(j), value(j, tag)]);
    inFlight.push(node.client.mset(pairs));
    if (inFlight.length >= 64) await Promise.all(inFlight.splice(0));
  }
  await Promise.all(inFlight);
}

/** Rewrites every `step`-th key of [0, to) with `tag` values (MSETs of 500 pairs, pipelined). */
async function loadEvery(node: Node, step: number, to: number, tag: string): Promise<void> {
  const inFlight: Promise<unknown>[] = [];
  let pairs: Array<[string, string]> = [];
  for (let i = 0; i < to; i += step) {
    pairs.push([key(i), value(i, tag)]);
    if (pairs.length === 500) {
      inFlight.push(node.client.mset(pairs));
      pairs = [];
    }
    if (inFlight.length >= 64) await Promise.all(inFlight.splice(0));
  }
  if (pairs.length > 0) inFlight.push(node.client.mset(pairs));
  await Promise.all(inFlight);
}

function parseSync(reply: string): SyncFigures {
  const m = /^OK round_trips=(\d+) bytes=(\d+) keys_pulled=(\d+) keys_pushed=(\d+) ms=(\d+) mode=(\S+)$/.exec(reply);
  if (!m) throw new Error(`unexpected SYNC reply: ${reply}`);
  return { roundTrips: Number(m[1]), bytes: Number(m[2]), pulled: Number(m[3]), pushed: Number(m[4]), ms: Number(m[5]), mode: m[6] as string };
}

/** B syncs with A (directly, or through `viaPort`) and both roots must then agree. */
async function sync(a: Node, b: Node, viaPort = a.port): Promise<SyncFigures> {
  const figures = parseSync(await b.client.sync(`127.0.0.1:${viaPort}`));
  const [ha, hb] = await Promise.all([a.client.hash(), b.client.hash()]);
  if (ha.root !== hb.root) throw new Error(`roots differ after SYNC: ${ha.root} vs ${hb.root}`);
  return figures;
}

/** Bytes of `n` records in the RECORDS line form with node ids of `nodeIdBytes`. */
function recordBytes(n: number, nodeIdBytes: number): number {
  // key(11) ts(16 digits) node deleted(1) value(32), 4 spaces, CRLF
  return n * (11 + 16 + nodeIdBytes + 1 + VALUE_BYTES + 4 + 2);
}

/** Runs one case on a fresh pair: `setup` loads them, then B syncs with A; with `delayMs`, a second fresh pair through the proxy. */
async function runOneCase(
  name: string,
  records: number,
  setup: (a: Node, b: Node) => Promise<void>,
  delayMs: number | undefined,
): Promise<Row> {
  const once = async (delay: number | undefined): Promise<SyncFigures> => {
    const [a, b] = await Promise.all([startSyncNode('node-a'), startSyncNode('node-b')]);
    try {
      await setup(a, b);
      if (delay === undefined) return await sync(a, b);
      const proxy = await startProxy(a.port, delay);
      try {
        return await sync(a, b, proxy.port);
      } finally {
        await proxy.stop();
      }
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  };
  process.stderr.write(`anti-entropy bench: ${name}\n`);
  const sync0 = await once(undefined);
  const delayed = delayMs === undefined ? undefined : await once(delayMs);
  return { name, records, sync: sync0, ...(delayed === undefined ? {} : { delayed }) };
}

/** Loads A with `shared` keys and brings B up to date through a SYNC (so both hold the same versions). */
async function shared(a: Node, b: Node, n: number): Promise<void> {
  await load(a, 0, n, 'a');
  await sync(a, b);
}

export async function benchAntiEntropy(argv: string[]): Promise<string> {
  if (argv.includes('--sweep')) {
    const { sweepAntiEntropy } = await import('./anti-entropy-sweep.js');
    return (await sweepAntiEntropy(200_000, 1000)) + '\n' + (await sweepAntiEntropy(20_000, 1000));
  }
  const big = argv.includes('--big');
  const skipLatency = argv.includes('--skip-latency');
  const at = argv.indexOf('--latency-ms');
  const latency = at >= 0 ? Number(argv[at + 1]) : 20;
  const delay = skipLatency ? undefined : latency;
  const NODE = 'node-a'.length;
  const rows: Row[] = [];
  const profAt = argv.indexOf('--cpu-prof');
  if (profAt >= 0) nodeFlags = ['--cpu-prof', `--cpu-prof-dir=${resolve(argv[profAt + 1] ?? '.')}`];
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? (argv[onlyAt + 1] ?? '') : '';
  const runCase = (name: string, records: number, setup: (a: Node, b: Node) => Promise<void>, d: number | undefined): Promise<Row | undefined> =>
    name.includes(only) ? runOneCase(name, records, setup, d) : Promise.resolve(undefined);
  const add = (row: Row | undefined): void => {
    if (row !== undefined) rows.push(row);
  };

  add(await runCase('empty node, 1,100 keys', recordBytes(1100, NODE), (a) => load(a, 0, 1100, 'a'), delay));
  add(
    await runCase(
      '1,000 new keys among 200,000',
      recordBytes(1000, NODE),
      async (a, b) => {
        await shared(a, b, 200_000);
        await load(a, 200_000, 201_000, 'a');
      },
      delay,
    ),
  );
  add(
    await runCase(
      '200,000 keys all differing',
      recordBytes(200_000, NODE),
      async (a, b) => {
        await Promise.all([load(a, 0, 200_000, 'a'), load(b, 0, 200_000, 'b')]);
      },
      delay,
    ),
  );
  // The same with one side newer on every key: which side wins decides between streaming the
  // peer's records (pull) and pushing the local ones, so both directions are measured.
  add(
    await runCase(
      '200,000 keys all differing, all newer on the peer (pull)',
      recordBytes(200_000, NODE),
      async (a, b) => {
        await load(b, 0, 200_000, 'b');
        await load(a, 0, 200_000, 'a');
      },
      delay,
    ),
  );
  add(
    await runCase(
      '200,000 keys all differing, a quarter newer on the peer',
      recordBytes(200_000, NODE),
      async (a, b) => {
        await load(a, 0, 200_000, 'a');
        await load(b, 0, 200_000, 'b');
        await loadEvery(a, 4, 200_000, 'c');
      },
      delay,
    ),
  );
  add(
    await runCase(
      '200,000 keys all differing, all newer locally (push)',
      recordBytes(200_000, NODE),
      async (a, b) => {
        await load(a, 0, 200_000, 'a');
        await load(b, 0, 200_000, 'b');
      },
      delay,
    ),
  );
  if (big && 'empty node joining 1M keys'.includes(only)) {
    process.stderr.write('anti-entropy bench: 1M keys (join, then identical)\n');
    const [a, b] = await Promise.all([startSyncNode('node-a'), startSyncNode('node-b')]);
    try {
      const t0 = performance.now();
      await load(a, 0, 1_000_000, 'a');
      process.stderr.write(`  loaded 1M keys in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
      const join = await sync(a, b);
      rows.push({ name: 'empty node joining 1M keys', records: recordBytes(1_000_000, NODE), sync: join });
      const same = await sync(a, b);
      rows.push({ name: 'identical 1M-key replicas', records: 0, sync: same });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }
  return report(rows, delay);
}

function kb(bytes: number): string {
  return bytes >= 10 * 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`;
}

function report(rows: readonly Row[], delay: number | undefined): string {
  const out = [
    `# anti-entropy through SYNC (two built nodes, loopback, 11-byte keys, 32-byte values)`,
    '',
    `| case | mode | round trips | bytes on the wire | records | bytes / records | keys pulled | keys pushed | time (loopback) |${delay === undefined ? '' : ` time (+${delay} ms each way) | round trips (delayed) |`}`,
    `| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |${delay === undefined ? '' : ' ---: | ---: |'}`,
  ];
  for (const r of rows) {
    const ratio = r.records === 0 ? '—' : (r.sync.bytes / r.records).toFixed(2);
    const cells = [
      r.name,
      r.sync.mode,
      String(r.sync.roundTrips),
      kb(r.sync.bytes),
      r.records === 0 ? '—' : kb(r.records),
      ratio,
      String(r.sync.pulled),
      String(r.sync.pushed),
      `${(r.sync.ms / 1000).toFixed(2)} s`,
    ];
    if (delay !== undefined) {
      cells.push(r.delayed ? `${(r.delayed.ms / 1000).toFixed(2)} s` : '—', r.delayed ? String(r.delayed.roundTrips) : '—');
    }
    out.push(`| ${cells.join(' | ')} |`);
  }
  out.push('');
  return out.join('\n');
}
