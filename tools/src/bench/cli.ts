/**
 * The `bench` command line: picks the subcommand's bench and runs it. The
 * merkle and replication benches live in sibling files written separately;
 * they are imported on demand so that a missing one is a clear error, not a
 * crash of every other bench.
 */
import { existsSync } from 'node:fs';
import { BenchError, BenchErrorCode } from './errors.js';

/** A bench: takes its own arguments, returns its report. */
export type Bench = (argv: string[]) => Promise<string>;

/** The top-level usage text. */
export const USAGE = `Usage: bench <subcommand> [options]

  kv           MerkleKV vs Redis load generator (ops/s, latency, CPU per op)
  merkle       Merkle tree benchmarks
  replication  replication benchmarks
  storage      Store.set throughput per storage engine (memory, lmdb, redis)
  recovery     restart time and memory of an lmdb node with 1M keys
  resp         redis-benchmark against a node's RESP port and redis-server (ops/s, CPU per op)
  expiry       100k keys with 1-5 s TTLs expiring under a client: p99 beside no expiry, memory reclaimed
  anti-entropy SYNC between two built nodes: round trips, bytes, time (issue 17's table)
  fanout       broker egress and CPU for 3, 6, 9 nodes at a fixed write rate (mosquitto)
  profile      hot spots of a node --cpu-prof profile (bench profile FILE [--top N])

Run \`bench <subcommand> --help\` for its options.
`;

/**
 * Imports `exportName` from the module `base` (.ts or .js) in `dir`.
 * @throws BenchError `MISSING_BENCH` when the file or the export is missing
 */
export async function loadBench(dir: URL, base: string, exportName: string): Promise<Bench> {
  const file = ['.ts', '.js'].map((ext) => new URL(`${base}${ext}`, dir)).find((u) => existsSync(u));
  if (file === undefined) {
    throw new BenchError(BenchErrorCode.MISSING_BENCH, `This benchmark is not available yet: ${base}.ts does not exist in ${dir.pathname}`);
  }
  // Import through the `.js` name (tsx maps it to the `.ts` source), by a computed specifier:
  // the file may not exist when this one is typechecked.
  const mod = (await import(new URL(`${base}.js`, dir).href)) as Record<string, unknown>;
  const fn = mod[exportName];
  if (typeof fn !== 'function') {
    throw new BenchError(BenchErrorCode.MISSING_BENCH, `${base}.ts does not export ${exportName}(argv)`);
  }
  return fn as Bench;
}

/**
 * Runs `bench <subcommand> ...args` and returns what to print.
 * @param dir where the bench modules are @default this file's folder
 * @throws BenchError `UNKNOWN_SUBCOMMAND`, `MISSING_BENCH`, or whatever the bench throws
 */
export async function runCli(argv: readonly string[], dir: URL = new URL('.', import.meta.url)): Promise<string> {
  // `nx bench tools -- kv ...` may forward a literal `--` first.
  const [sub, ...rest] = argv[0] === '--' ? argv.slice(1) : argv;
  switch (sub) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return USAGE;
    case 'kv':
      return (await import('./kv.js')).benchKv(rest);
    case 'profile':
      return (await import('./profile-command.js')).benchProfile(rest);
    case 'merkle':
      return (await loadBench(dir, 'merkle', 'benchMerkle'))(rest);
    case 'replication':
      return (await loadBench(dir, 'replication', 'benchReplication'))(rest);
    case 'storage':
      return (await import('./storage.js')).benchStorage(rest);
    case 'recovery':
      return (await import('./recovery.js')).benchRecovery(rest);
    case 'resp':
      return (await import('./resp.js')).benchResp(rest);
    case 'expiry':
      return (await import('./expiry.js')).benchExpiry(rest);
    case 'anti-entropy':
      return (await import('./anti-entropy.js')).benchAntiEntropy(rest);
    case 'fanout':
      return (await import('./fanout.js')).benchFanout(rest);
    default:
      throw new BenchError(BenchErrorCode.UNKNOWN_SUBCOMMAND, `Unknown subcommand '${sub}'.\n\n${USAGE}`);
  }
}
