/** Command-line options of `bench kv`. */
import { parseArgs } from 'node:util';
import { BenchError, BenchErrorCode } from './errors.js';
import type { NodeLaunchMode } from './servers.js';

/** Which servers a run measures. */
export type ServerName = 'merklekv' | 'redis' | 'baseline' | 'floor' | 'resp';

const SERVER_NAMES: readonly ServerName[] = ['merklekv', 'redis', 'baseline', 'floor', 'resp'];

/** One GET/SET mix: a label and the fraction of GETs. */
export interface Mix {
  readonly label: string;
  readonly getRatio: number;
}

/** Parsed `bench kv` options. */
export interface KvOptions {
  /** @default 50 */
  readonly connections: number;
  /** Pipeline depths, one scenario each. @default [1, 16] */
  readonly pipelines: readonly number[];
  /** GET/SET mixes, one scenario each. @default SET only, GET only */
  readonly mixes: readonly Mix[];
  /** Distinct keys, all preloaded. @default 100000 */
  readonly keySpace: number;
  /** @default 32 */
  readonly valueSize: number;
  /**
   * The started node's `mqtt.broker_address`: `mosquitto` (one started here, so replication is on,
   * as in a cluster), `none` (replication off) or a broker URL. @default 'mosquitto'
   */
  readonly broker: string;
  /** The started node runs anti-entropy at its default interval. @default true */
  readonly antiEntropy: boolean;
  /** Keys of the extra hot-set row (SET and GET at the deepest pipeline); 0: no such row. @default 10000 */
  readonly hotKeySpace: number;
  /** Request cap per scenario per server. @default 200000 */
  readonly requests: number;
  /** Time cap per scenario per server, ms. @default 10000 */
  readonly durationMs: number;
  /** @default ['merklekv', 'redis'] */
  readonly servers: readonly ServerName[];
  /** An already-running MerkleKV node (then `port` is required). */
  readonly host: string | undefined;
  readonly port: number | undefined;
  readonly pid: number | undefined;
  readonly redisHost: string | undefined;
  readonly redisPort: number | undefined;
  readonly redisPid: number | undefined;
  /** @default 'auto' */
  readonly nodeMode: NodeLaunchMode;
  /** Extra `node` flags for the started MerkleKV node (e.g. `--cpu-prof`). */
  readonly nodeArgs: readonly string[];
  /** @default 1 */
  readonly seed: number;
  /** Print JSON instead of markdown. @default false */
  readonly json: boolean;
  readonly help: boolean;
}

/** The usage text of `bench kv`. */
export const KV_USAGE = `Usage: bench kv [options]

Drives a MerkleKV node and a redis-server (both started here on loopback,
unless given), and optionally a bare Node.js reference server, with the same workload and compares throughput, latency and
server CPU time per operation.

  --connections N     concurrent connections                 (50)
  --pipeline LIST     pipeline depths, e.g. 1,16             (1,16)
  --mix LIST          set | get | a GET fraction in [0,1]    (set,get)
  --keyspace N        distinct keys, all preloaded           (100000)
  --value-size N      SET value bytes                        (32)
  --broker B          the started node's broker: mosquitto (started here),
                      none (replication off) or a URL        (mosquitto)
  --anti-entropy on|off  anti-entropy at its default interval (on)
  --hot-keyspace N    extra rows: SET/GET on a hot set of N keys at the
                      deepest pipeline; 0 for none            (10000)
  --requests N        request cap per scenario per server    (200000)
  --duration S        time cap per scenario per server, s    (10)
  --servers LIST      merklekv,redis,baseline,floor,resp     (merklekv,redis)
                      resp: the same node's RESP port ([resp], docs/RESP.md)
                      baseline: a bare Node.js Map server (Node's floor)
                      floor: the baseline plus the design's per-write work
                      (HLC, digest, Merkle tree; publishing to --broker)
  --host H --port P   use a running MerkleKV node; --pid PID for its CPU
  --redis-host H --redis-port P [--redis-pid PID]   use a running Redis
  --node MODE         auto | built (apps/node/dist) | tsx    (auto)
  --node-arg=FLAG     extra node flag for the started node (repeatable)
  --seed N            workload seed                          (1)
  --json              JSON output instead of a markdown table
`;

function bad(message: string): BenchError {
  return new BenchError(BenchErrorCode.INVALID_OPTION, message);
}

function int(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw bad(`--${name} must be an integer ≥ ${min}, got '${raw}'`);
  return n;
}

function optionalInt(name: string, raw: string | undefined): number | undefined {
  return raw === undefined ? undefined : int(name, raw, 0, 1);
}

function list(raw: string | undefined, fallback: string): string[] {
  return (raw ?? fallback)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Parses one `--mix` item. */
export function parseMix(item: string): Mix {
  const lower = item.toLowerCase();
  if (lower === 'set') return { label: 'SET', getRatio: 0 };
  if (lower === 'get') return { label: 'GET', getRatio: 1 };
  const r = Number(item);
  if (item === '' || !Number.isFinite(r) || r < 0 || r > 1) throw bad(`--mix items are set, get or a GET fraction in [0,1], got '${item}'`);
  return { label: `${Math.round(r * 100)}% GET`, getRatio: r };
}

/**
 * Parses `bench kv` arguments.
 * @throws BenchError `INVALID_OPTION` naming the bad option and value
 */
export function parseKvOptions(argv: readonly string[]): KvOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        connections: { type: 'string' },
        pipeline: { type: 'string' },
        mix: { type: 'string' },
        keyspace: { type: 'string' },
        'value-size': { type: 'string' },
        broker: { type: 'string' },
        'anti-entropy': { type: 'string' },
        'hot-keyspace': { type: 'string' },
        requests: { type: 'string' },
        duration: { type: 'string' },
        servers: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        pid: { type: 'string' },
        'redis-host': { type: 'string' },
        'redis-port': { type: 'string' },
        'redis-pid': { type: 'string' },
        node: { type: 'string' },
        'node-arg': { type: 'string', multiple: true },
        seed: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new BenchError(BenchErrorCode.INVALID_OPTION, `${(err as Error).message}\n\n${KV_USAGE}`, { cause: err });
  }
  const v = parsed.values;
  const pipelines = list(v.pipeline, '1,16').map((p) => int('pipeline', p, 1, 1));
  const servers = list(v.servers, 'merklekv,redis').map((s): ServerName => {
    const name = SERVER_NAMES.find((n) => n === s);
    if (name === undefined) throw bad(`--servers items are merklekv, redis, baseline, floor or resp, got '${s}'`);
    return name;
  });
  const nodeMode = v.node ?? 'auto';
  if (nodeMode !== 'auto' && nodeMode !== 'built' && nodeMode !== 'tsx') throw bad(`--node must be auto, built or tsx, got '${nodeMode}'`);
  const duration = Number(v.duration ?? '10');
  if (!Number.isFinite(duration) || duration <= 0) throw bad(`--duration must be a positive number of seconds, got '${v.duration}'`);
  const antiEntropy = v['anti-entropy'] ?? 'on';
  if (antiEntropy !== 'on' && antiEntropy !== 'off') throw bad(`--anti-entropy must be on or off, got '${antiEntropy}'`);
  const broker = v.broker ?? 'mosquitto';
  if (broker !== 'mosquitto' && broker !== 'none' && !/^(mqtts?|tcp|wss?):\/\//.test(broker)) {
    throw bad(`--broker must be mosquitto, none or a broker URL (mqtt://host:port), got '${broker}'`);
  }
  const port = optionalInt('port', v.port);
  if (v.host !== undefined && port === undefined) throw bad('--host needs --port');
  const redisPort = optionalInt('redis-port', v['redis-port']);
  if (v['redis-host'] !== undefined && redisPort === undefined) throw bad('--redis-host needs --redis-port');
  return {
    connections: int('connections', v.connections, 50, 1),
    pipelines: [...new Set(pipelines)],
    mixes: list(v.mix, 'set,get').map(parseMix),
    keySpace: int('keyspace', v.keyspace, 100_000, 1),
    valueSize: int('value-size', v['value-size'], 32, 1),
    broker,
    antiEntropy: antiEntropy === 'on',
    hotKeySpace: int('hot-keyspace', v['hot-keyspace'], 10_000, 0),
    requests: int('requests', v.requests, 200_000, 1),
    durationMs: Math.round(duration * 1000),
    servers: [...new Set(servers)],
    host: port === undefined ? undefined : (v.host ?? '127.0.0.1'),
    port,
    pid: optionalInt('pid', v.pid),
    redisHost: redisPort === undefined ? undefined : (v['redis-host'] ?? '127.0.0.1'),
    redisPort,
    redisPid: optionalInt('redis-pid', v['redis-pid']),
    nodeMode,
    nodeArgs: v['node-arg'] ?? [],
    seed: int('seed', v.seed, 1, 0),
    json: v.json ?? false,
    help: v.help ?? false,
  };
}
