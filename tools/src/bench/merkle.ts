/**
 * Merkle tree benchmarks (`bench merkle [--n 100000,1000000] [--writes 200000] [--diff 1000]`,
 * or standalone: `npx tsx --tsconfig tsconfig.base.json tools/src/bench/merkle.ts`).
 *
 * For each n, with n keys `key:%07d` holding 32-byte values:
 * - build: n × (versionDigest + tree insert) + one root read;
 * - memory per key: heap used by the Map of records, then by the tree, divided by n
 *   (after a forced GC: --expose-gc, or V8's flag set at run time);
 * - upkeep per write: an overwrite of a random key = digest of the old version,
 *   digest of the new one, Map set, tree update; and the root read that follows them;
 * - identical replicas: one diff between two trees of the same records (round trips, bytes);
 * - 1,000 differing keys: the diff's remote queries, round trips and estimated bytes.
 * The report is returned as markdown; progress goes to stderr.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { DEFAULT_SHAPE, MerkleTree, diff, localTree, versionDigest } from '@merklekv/merkle';

interface Rec {
  readonly value: string;
  readonly ts: number;
  readonly node: string;
  readonly deleted: boolean;
}

interface Options {
  readonly sizes: number[];
  readonly writes: number;
  readonly differing: number;
}

interface Timing {
  readonly wall: number;
  readonly cpu: number;
}

interface Result {
  readonly n: number;
  /** Wall and CPU times, ms (build, root read) or µs per operation (upkeep, update). */
  readonly build: Timing;
  readonly mapBytesPerKey: number;
  readonly treeBytesPerKey: number;
  readonly upkeepUs: Timing;
  readonly updateOnlyUs: Timing;
  readonly rootAfterWrites: Timing;
  readonly identical: { queries: number; rounds: number; bytes: number; ms: number };
  readonly differing: { found: number; queries: number; rounds: number; bytes: number; ms: number };
}

const USAGE = `Usage: bench merkle [--n 100000,1000000] [--writes 200000] [--diff 1000]
`;

const NODE = 'node-1';
const keyName = (i: number): string => `key:${String(i).padStart(7, '0')}`;
const value32 = (): string => randomBytes(16).toString('hex');
const digestOf = (key: string, r: Rec): Uint8Array => versionDigest(key, r.value, r.ts, r.node, r.deleted);
const progress = (msg: string): void => {
  process.stderr.write(`[bench merkle] ${msg}\n`);
};

function parseArgs(argv: string[]): Options | undefined {
  const opts = { sizes: [100_000, 1_000_000], writes: 200_000, differing: 1_000 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = (argv[i] as string).split('=', 2) as [string, string | undefined];
    const next = (): string => inline ?? (argv[++i] as string | undefined) ?? '';
    if (flag === '--help' || flag === '-h') return undefined;
    else if (flag === '--n') opts.sizes = next().split(',').map(positive);
    else if (flag === '--writes') opts.writes = positive(next());
    else if (flag === '--diff') opts.differing = positive(next());
    else throw new Error(`Unknown option '${flag}'\n\n${USAGE}`);
  }
  return opts;
}

function positive(s: string): number {
  const n = Number(s.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`Expected a positive integer, got '${s}'`);
  return n;
}

/** A GC function: the one --expose-gc gives, or one obtained by setting V8's flag at run time. */
function findGc(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

function heapUsed(gc: (() => void) | undefined): number {
  if (gc) {
    gc();
    gc();
  }
  return process.memoryUsage().heapUsed;
}

const ms = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

/** Wall and CPU time (all threads of the process) of `f`, in ms: the machine may be shared. */
function timed(f: () => void): { wall: number; cpu: number } {
  const cpu0 = process.cpuUsage();
  const t = process.hrtime.bigint();
  f();
  const wall = ms(t);
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 };
}

async function benchSize(n: number, opts: Options, gc: (() => void) | undefined): Promise<Result> {
  progress(`n = ${n}: records`);
  const heap0 = heapUsed(gc);
  const records = new Map<string, Rec>();
  for (let i = 0; i < n; i++) records.set(keyName(i), { value: value32(), ts: 1_000_000 + i, node: NODE, deleted: false });
  const heap1 = heapUsed(gc);

  progress(`n = ${n}: build`);
  const tree = new MerkleTree();
  const build = timed(() => {
    for (const [key, r] of records) tree.update(key, null, digestOf(key, r));
    tree.rootHash();
  });
  const heap2 = heapUsed(gc);

  progress(`n = ${n}: ${opts.writes} overwrites`);
  const targets = Array.from({ length: opts.writes }, () => keyName(Math.floor(Math.random() * n)));
  const newValues = Array.from({ length: opts.writes }, value32);
  let ts = 2_000_000_000;
  const upkeep = timed(() => {
    for (let i = 0; i < opts.writes; i++) {
      const key = targets[i] as string;
      const old = records.get(key) as Rec;
      const next: Rec = { value: newValues[i] as string, ts: ts++, node: NODE, deleted: false };
      tree.update(key, digestOf(key, old), digestOf(key, next));
      records.set(key, next);
    }
  });
  const rootAfterWrites = timed(() => tree.rootHash());

  // The tree update alone, with digests computed beforehand.
  const key0 = keyName(0);
  const digests = [digestOf(key0, records.get(key0) as Rec), versionDigest(key0, 'x', 1, NODE, false)];
  const updateOnly = timed(() => {
    for (let i = 0; i < opts.writes; i++) tree.update(key0, digests[i & 1] as Uint8Array, digests[(i + 1) & 1] as Uint8Array);
  });
  if (opts.writes % 2 === 1) tree.update(key0, digests[1] as Uint8Array, digests[0] as Uint8Array);

  progress(`n = ${n}: replica and diffs`);
  const localDigest = (key: string): Uint8Array | undefined => {
    const r = records.get(key);
    return r ? digestOf(key, r) : undefined;
  };
  const replica = new MerkleTree();
  for (const [key, r] of records) replica.update(key, null, digestOf(key, r));
  let t = process.hrtime.bigint();
  const same = await diff(localTree(tree, localDigest), localTree(replica, localDigest));
  const identical = { queries: same.queries, rounds: same.rounds, bytes: same.bytes, ms: ms(t) };

  // The replica takes newer versions of `differing` random keys.
  const changed = new Map<string, Rec>();
  while (changed.size < Math.min(opts.differing, n)) {
    const key = keyName(Math.floor(Math.random() * n));
    if (changed.has(key)) continue;
    const r: Rec = { value: value32(), ts: ts++, node: 'node-2', deleted: false };
    replica.update(key, localDigest(key) as Uint8Array, digestOf(key, r));
    changed.set(key, r);
  }
  const replicaDigest = (key: string): Uint8Array | undefined => {
    const r = changed.get(key);
    return r ? digestOf(key, r) : localDigest(key);
  };
  t = process.hrtime.bigint();
  const found = await diff(localTree(tree, localDigest), localTree(replica, replicaDigest));
  const differing = { found: found.keys.length, queries: found.queries, rounds: found.rounds, bytes: found.bytes, ms: ms(t) };
  if (found.keys.length !== changed.size || found.keys.some((k) => !changed.has(k))) {
    throw new Error(`diff found ${found.keys.length} keys, expected the ${changed.size} changed ones`);
  }

  return {
    n,
    build,
    mapBytesPerKey: (heap1 - heap0) / n,
    treeBytesPerKey: (heap2 - heap1) / n,
    upkeepUs: { wall: (upkeep.wall * 1000) / opts.writes, cpu: (upkeep.cpu * 1000) / opts.writes },
    updateOnlyUs: { wall: (updateOnly.wall * 1000) / opts.writes, cpu: (updateOnly.cpu * 1000) / opts.writes },
    rootAfterWrites,
    identical,
    differing,
  };
}

function report(results: Result[], opts: Options, gcForced: boolean): string {
  const fmt = (x: number, digits = 1): string => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const int = (x: number): string => Math.round(x).toLocaleString('en-US');
  const rows: [string, (r: Result) => string][] = [
    [
      'build from n records (digest + insert, then root)',
      (r) => `${int(r.build.wall)} ms (${fmt((r.build.wall * 1000) / r.n, 2)} µs/key; CPU ${fmt((r.build.cpu * 1000) / r.n, 2)})`,
    ],
    ['upkeep per overwrite (2 digests + Map set + tree update)', (r) => `${fmt(r.upkeepUs.wall, 2)} µs (CPU ${fmt(r.upkeepUs.cpu, 2)})`],
    ['tree update alone (digests given)', (r) => `${fmt(r.updateOnlyUs.wall, 3)} µs (CPU ${fmt(r.updateOnlyUs.cpu, 3)})`],
    [`root read after ${int(opts.writes)} writes (lazy rehash)`, (r) => `${fmt(r.rootAfterWrites.wall, 1)} ms (CPU ${fmt(r.rootAfterWrites.cpu, 1)})`],
    ['memory per key: Map of records', (r) => `${int(r.mapBytesPerKey)} B`],
    ['memory per key: tree', (r) => `${int(r.treeBytesPerKey)} B`],
    ['identical replicas: queries / round trips / bytes', (r) => `${r.identical.queries} / ${r.identical.rounds} / ${r.identical.bytes} B`],
    [
      `${int(opts.differing)} differing keys: found / queries / round trips`,
      (r) => `${int(r.differing.found)} / ${int(r.differing.queries)} / ${r.differing.rounds}`,
    ],
    [`${int(opts.differing)} differing keys: bytes (estimated) / time`, (r) => `${fmt(r.differing.bytes / 1024, 1)} KiB / ${int(r.differing.ms)} ms`],
  ];
  const header = `| measure | ${results.map((r) => `n = ${int(r.n)}`).join(' | ')} |`;
  const rule = `|---|${results.map(() => '---:').join('|')}|`;
  const lines = rows.map(([name, f]) => `| ${name} | ${results.map(f).join(' | ')} |`);
  return [
    '## Merkle tree',
    '',
    `Keys \`key:%07d\` with 32-byte values, shape ${DEFAULT_SHAPE.id} (65,536 buckets); Node ${process.version}, ${process.arch}.`,
    `Queries are to the remote side of \`diff\` (concurrency 16 per round trip); bytes estimate the HASH/TREE/LEAF requests and replies.`,
    `Times: wall clock, and in parentheses CPU time of the process (the machine may be shared).`,
    `Memory: heap used after ${gcForced ? 'a forced GC' : 'no forced GC (best effort)'}, divided by n.`,
    '',
    header,
    rule,
    ...lines,
    '',
  ].join('\n');
}

/** Runs the Merkle benchmarks and returns a markdown report. */
export async function benchMerkle(argv: string[]): Promise<string> {
  const opts = parseArgs(argv);
  if (!opts) return USAGE;
  const gc = findGc();
  const results: Result[] = [];
  for (const n of opts.sizes) results.push(await benchSize(n, opts, gc));
  return report(results, opts, gc !== undefined);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchMerkle(process.argv.slice(2)).then(
    (text) => process.stdout.write(text),
    (err: unknown) => {
      process.stderr.write(`bench merkle: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
