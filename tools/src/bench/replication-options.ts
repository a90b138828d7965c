/**
 * The options of `bench replication` (replication.ts): which parts run, the write
 * rates, and for the multi-process part (replication-visible.ts) how many runs and
 * nodes, and extra flags for the node processes.
 */
import { parseArgs } from 'node:util';
import { BenchError, BenchErrorCode } from './errors.js';
import { positiveOption } from './options.js';

/** A part of the replication bench. */
export type ReplicationPart = 'latency' | 'visible' | 'throughput' | 'node' | 'cpu';
/** How the in-process latency writer waits between writes: a timer (idle in between, as a server waits for requests) or spinning on setImmediate. */
export type Pacing = 'timer' | 'spin';
export const REPLICATION_PARTS: readonly ReplicationPart[] = ['latency', 'visible', 'throughput', 'node', 'cpu'];

/** Parsed `bench replication` options. */
export interface ReplicationOptions {
  readonly rates: number[];
  readonly seconds: number;
  readonly writes: number;
  readonly parts: ReadonlySet<ReplicationPart>;
  readonly pacing: Pacing;
  /** `visible`: runs per rate, each on a fresh cluster. */
  readonly runs: number;
  /** `visible`: node processes (A writes, B is read, the others only replicate). */
  readonly nodes: number;
  /** `visible`: flags for every node process (`node FLAGS dist/main.js`), e.g. `--trace-gc`. */
  readonly nodeArgs: readonly string[];
  /** `visible`: a folder where each node's stdout/stderr is kept (`<run>-<node>.log`). */
  readonly nodeLogs: string | undefined;
  /** `visible`: also subscribe to the broker in the bench, to split each key's latency there. */
  readonly split: boolean;
}

export const REPLICATION_USAGE = `Usage: bench replication [options]

  --only PARTS       comma-separated, of: latency, visible, throughput, node, cpu (default: all)
                       latency     3 in-process nodes: write on A → visible in B's store, split per stage
                       visible     built nodes as separate processes on mosquitto: SET on A's client port
                                   → the value shown by B's client port (MGET polled), p50/p99/max
                       throughput  one in-process node's writes/s with replication off and on
                       node        the same through a built node's client port
                       cpu         the replicator's CPU per write in one process
  --rates LIST       writes/s of latency and visible (default 1000,10000)
  --seconds S        measured seconds per rate, after 0.5 s of unmeasured warm-up (default 3)
  --writes N         writes of throughput, node and cpu (default 200000)
  --pacing MODE      latency's writer: timer or spin (default timer)
  --runs N           visible: runs per rate, each on a fresh cluster (default 1)
  --nodes N          visible: node processes, 2 or more (default 3)
  --node-arg=FLAG    visible: a flag for every node process, e.g. --node-arg=--trace-gc (repeatable)
  --node-logs DIR    visible: keep each node's output in DIR/<run>-<node>.log
  --split            visible: a subscriber in the bench splits each key's latency where its batch
                     left the broker (one more subscriber for mosquitto, more work for the bench)
`;

const bad = (message: string): BenchError => new BenchError(BenchErrorCode.INVALID_OPTION, `${message}\n\n${REPLICATION_USAGE}`);


/**
 * Parses `bench replication` arguments; undefined for `--help`.
 * @throws BenchError `INVALID_OPTION` naming the bad option and value
 */
export function parseReplicationOptions(argv: readonly string[]): ReplicationOptions | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv.filter((a) => a !== '--'),
      strict: true,
      allowPositionals: false,
      options: {
        rates: { type: 'string' },
        seconds: { type: 'string' },
        writes: { type: 'string' },
        only: { type: 'string' },
        pacing: { type: 'string' },
        runs: { type: 'string' },
        nodes: { type: 'string' },
        'node-arg': { type: 'string', multiple: true },
        'node-logs': { type: 'string' },
        split: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new BenchError(BenchErrorCode.INVALID_OPTION, `${(err as Error).message}\n\n${REPLICATION_USAGE}`, { cause: err });
  }
  const v = parsed.values;
  if (v.help === true) return undefined;
  const rates = (v.rates ?? '1000,10000').split(',').map((r) => positiveOption('rates', r, 0, { integer: false }));
  const pacing = v.pacing ?? 'timer';
  if (pacing !== 'timer' && pacing !== 'spin') throw bad(`--pacing must be timer or spin, got '${pacing}'`);
  const parts = (v.only ?? REPLICATION_PARTS.join(',')).split(',').map((p): ReplicationPart => {
    const part = REPLICATION_PARTS.find((q) => q === p);
    if (part === undefined) throw bad(`unknown part '${p}' (one of ${REPLICATION_PARTS.join(', ')})`);
    return part;
  });
  const nodes = positiveOption('nodes', v.nodes, 3);
  if (nodes < 2) throw bad(`--nodes must be 2 or more (A writes, B is read), got '${String(v.nodes)}'`);
  return {
    rates,
    seconds: positiveOption('seconds', v.seconds, 3, { integer: false }),
    writes: positiveOption('writes', v.writes, 200_000),
    parts: new Set(parts),
    pacing,
    runs: positiveOption('runs', v.runs, 1),
    nodes,
    nodeArgs: v['node-arg'] ?? [],
    nodeLogs: v['node-logs'],
    split: v.split ?? false,
  };
}
