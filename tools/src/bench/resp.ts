/**
 * `bench resp`: redis-benchmark (Debian redis-tools) against a MerkleKV
 * node's RESP port and a redis-server in one run, test by test, with each
 * server's CPU read from /proc before and after. The same tool drives both,
 * so the CPU per operation compares the servers, not the load generators.
 */
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { processTreeCpuSeconds } from './cpu-time.js';
import { BenchError, BenchErrorCode } from './errors.js';
import { positiveOption } from './options.js';
import { startBenchBroker } from './mosquitto.js';
import { startMerkleKv, startBenchRedis, type NodeLaunchMode, type ServerHandle } from './servers.js';

const workspaceRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export const RESP_USAGE = `Usage: bench resp [options]

Runs redis-benchmark against a MerkleKV node's RESP port and a redis-server,
alternately, and reports ops/s and server CPU per operation for both.

  --tests LIST        redis-benchmark tests                  (set,get,incr,mset)
  --requests N        requests per test per server (-n)      (1000000)
  --keyspace N        random keys (-r)                       (100000)
  --value-size N      value bytes (-d)                       (32)
  --pipeline N        pipeline depth (-P)                    (16)
  --clients N         connections (-c)                       (50)
  --broker B          the node's broker: mosquitto (started here), none
                      (replication off) or a URL             (mosquitto)
  --node MODE         auto | built | tsx                     (auto)
`;

interface RespOptions {
  readonly tests: readonly string[];
  readonly requests: number;
  readonly keyspace: number;
  readonly valueSize: number;
  readonly pipeline: number;
  readonly clients: number;
  readonly nodeMode: NodeLaunchMode;
  readonly broker: string;
  readonly help: boolean;
}

/** @throws BenchError `INVALID_OPTION` naming the option */
export function parseRespOptions(argv: readonly string[]): RespOptions {
  const { values: v } = parseArgs({
    args: [...argv],
    options: {
      tests: { type: 'string' },
      requests: { type: 'string' },
      keyspace: { type: 'string' },
      'value-size': { type: 'string' },
      pipeline: { type: 'string' },
      clients: { type: 'string' },
      node: { type: 'string' },
      broker: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  const nodeMode = (v.node ?? 'auto') as NodeLaunchMode;
  if (!['auto', 'built', 'tsx'].includes(nodeMode)) throw new BenchError(BenchErrorCode.INVALID_OPTION, `--node must be auto, built or tsx, got '${v.node}'`);
  const tests = (v.tests ?? 'set,get,incr,mset').split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
  if (tests.length === 0) throw new BenchError(BenchErrorCode.INVALID_OPTION, '--tests must name at least one redis-benchmark test');
  return {
    tests,
    requests: positiveOption('requests', v.requests, 1_000_000),
    keyspace: positiveOption('keyspace', v.keyspace, 100_000),
    valueSize: positiveOption('value-size', v['value-size'], 32),
    pipeline: positiveOption('pipeline', v.pipeline, 16),
    clients: positiveOption('clients', v.clients, 50),
    nodeMode,
    broker: v.broker ?? 'mosquitto',
    help: v.help === true,
  };
}

/** One redis-benchmark row: the test name as it prints it, and requests per second. */
export interface BenchmarkRow {
  readonly test: string;
  readonly rps: number;
}

/** Parses redis-benchmark's `--csv` output (`"test","rps",...` then one row per test). */
export function parseBenchmarkCsv(csv: string): BenchmarkRow[] {
  return csv
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('"') && !line.startsWith('"test"'))
    .map((line) => {
      const [test, rps] = line.split(',').map((cell) => cell.replace(/^"|"$/g, ''));
      return { test: test ?? '', rps: Number(rps) };
    });
}

function redisBenchmark(port: number, test: string, o: RespOptions): Promise<{ rows: BenchmarkRow[]; stderr: string }> {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-t', test, '-n', String(o.requests), '-r', String(o.keyspace), '-d', String(o.valueSize), '-P', String(o.pipeline), '-c', String(o.clients), '--csv'];
  return new Promise((resolvePromise, reject) => {
    execFile('redis-benchmark', args, { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new BenchError(BenchErrorCode.SERVER_START_FAILED, `redis-benchmark ${args.join(' ')} failed: ${err.message} ${stderr}`));
      resolvePromise({ rows: parseBenchmarkCsv(stdout), stderr });
    });
  });
}

interface Measured {
  readonly rps: number;
  readonly cpuMicrosPerOp: number;
}

async function measure(server: ServerHandle, test: string, o: RespOptions): Promise<Measured> {
  const pid = server.pid as number;
  const cpu0 = processTreeCpuSeconds(pid);
  const { rows, stderr } = await redisBenchmark(server.port, test, o);
  const cpu1 = processTreeCpuSeconds(pid);
  if (/error/i.test(stderr)) throw new BenchError(BenchErrorCode.SERVER_START_FAILED, `${server.label} ${test}: ${stderr.trim()}`);
  const row = rows[0];
  if (row === undefined) throw new BenchError(BenchErrorCode.SERVER_START_FAILED, `${server.label} ${test}: redis-benchmark printed no result`);
  // MSET sets 10 keys per request; CPU is per request, as redis-benchmark counts them.
  return { rps: row.rps, cpuMicrosPerOp: ((cpu1 - cpu0) * 1e6) / o.requests };
}

export async function benchResp(argv: string[]): Promise<string> {
  const o = parseRespOptions(argv);
  if (o.help) return RESP_USAGE;
  const broker = o.broker === 'mosquitto' ? await startBenchBroker() : undefined;
  let node: Awaited<ReturnType<typeof startMerkleKv>> | undefined;
  let redis: ServerHandle | undefined;
  try {
    node = await startMerkleKv(o.nodeMode, [], { broker: broker?.url ?? o.broker });
    redis = await startBenchRedis();
    const resp: ServerHandle = { ...node, label: 'MerkleKV RESP', port: node.respPort };
    const lines = [
      `Replication: ${broker ? `on, through mosquitto (${broker.url})` : o.broker === 'none' ? 'off' : `on, through ${o.broker}`}. ` +
        `redis-benchmark -P ${o.pipeline} -c ${o.clients} -n ${o.requests.toLocaleString('en-US')} -r ${o.keyspace.toLocaleString('en-US')} -d ${o.valueSize}; ` +
        `Node ${process.version}; MerkleKV \`${node.launch.replace(process.execPath, 'node').replace(/--config \S+/, '--config bench.toml').replace(workspaceRoot + '/', '')}\`, RESP port; Redis \`${redis.launch}\`.`,
      '',
      '| Test | MerkleKV RESP ops/s | Redis ops/s | MerkleKV RESP CPU µs/op | Redis CPU µs/op | CPU/op ratio |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
    ];
    // Warm up both (JIT, allocator, the key space filled) before measuring.
    for (const server of [resp, redis]) {
      await redisBenchmark(server.port, 'set,get', { ...o, requests: Math.min(o.requests, 200_000) });
      process.stderr.write(`[bench resp] ${server.label}: warmed up\n`);
    }
    for (const [i, test] of o.tests.entries()) {
      // Alternate who goes first, so neither always runs on the other's leftovers.
      const order = i % 2 === 0 ? [resp, redis] : [redis, resp];
      const results = new Map<ServerHandle, Measured>();
      for (const server of order) {
        const m = await measure(server, test, o);
        results.set(server, m);
        process.stderr.write(`[bench resp] ${test} — ${server.label}: ${Math.round(m.rps)} ops/s, server CPU ${m.cpuMicrosPerOp.toFixed(2)} µs/op\n`);
      }
      const a = results.get(resp) as Measured;
      const b = results.get(redis) as Measured;
      lines.push(
        `| ${test.toUpperCase()} | ${Math.round(a.rps).toLocaleString('en-US')} | ${Math.round(b.rps).toLocaleString('en-US')} | ${a.cpuMicrosPerOp.toFixed(2)} | ${b.cpuMicrosPerOp.toFixed(2)} | ${(a.cpuMicrosPerOp / b.cpuMicrosPerOp).toFixed(2)}× |`,
      );
    }
    return `${lines.join('\n')}\n`;
  } finally {
    await redis?.stop();
    await node?.stop();
    await broker?.stop();
  }
}
