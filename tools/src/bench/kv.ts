/**
 * `bench kv`: the same workload against a MerkleKV node and a Redis server in
 * one run, scenario by scenario (each scenario runs on MerkleKV, then on
 * Redis, so both see the machine in the same state), with server CPU read
 * from /proc before and after each run.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processTreeCpuSeconds } from './cpu-time.js';
import { KV_USAGE, parseKvOptions, type KvOptions, type ServerName } from './kv-options.js';
import { runLoad, sendAll } from './load-runner.js';
import { formatKvMarkdown, scenarioName, type KvReport, type ScenarioResult, type ServerMeasurement } from './report.js';
import { BenchError, BenchErrorCode } from './errors.js';
import { startBenchBroker, type BenchBroker } from './mosquitto.js';
import { externalServer, startBaseline, startMerkleKv, startBenchRedis, type ServerHandle } from './servers.js';
import { buildBatches, buildPreload, type WireProtocol } from './workload.js';

/** The workspace root (tools/src/bench → ../../..). */
const workspaceRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Distinct pre-encoded batches per scenario; connections cycle through them. */
const BATCH_POOL = 4096;

const protocolOf: Record<ServerName, WireProtocol> = { merklekv: 'merklekv', redis: 'resp', baseline: 'merklekv', floor: 'merklekv', resp: 'resp' };

function log(message: string): void {
  process.stderr.write(`[bench kv] ${message}\n`);
}

/** The node `resp` measures: the `merklekv` one when both are measured, so both ports share one process. */
let respOfNode: { readonly handle: ServerHandle; readonly respPort: number } | undefined;

async function startServer(name: ServerName, o: KvOptions, brokerUrl: string): Promise<ServerHandle> {
  if (name === 'baseline') return startBaseline();
  if (name === 'floor') return startBaseline({ brokerUrl });
  if (name === 'resp') {
    if (o.port !== undefined) throw new BenchError(BenchErrorCode.INVALID_OPTION, '--servers resp needs a node the bench starts (not --host/--port)');
    const shared = respOfNode;
    const own = shared === undefined ? await startMerkleKv(o.nodeMode, o.nodeArgs, { broker: brokerUrl, antiEntropy: o.antiEntropy }) : undefined;
    const handle = shared?.handle ?? (own as ServerHandle);
    const port = shared?.respPort ?? (own as { respPort: number }).respPort;
    return { ...handle, label: 'MerkleKV RESP', port, stop: own ? () => own.stop() : async () => undefined };
  }
  if (name === 'redis') {
    return o.redisPort !== undefined ? externalServer('Redis', o.redisHost ?? '127.0.0.1', o.redisPort, o.redisPid) : startBenchRedis();
  }
  if (o.port !== undefined) return externalServer('MerkleKV', o.host ?? '127.0.0.1', o.port, o.pid);
  const handle = await startMerkleKv(o.nodeMode, o.nodeArgs, { broker: brokerUrl, antiEntropy: o.antiEntropy });
  if (handle.stale) log('warning: apps/node/src/main.ts is newer than apps/node/dist/main.js: run `npx nx build node`');
  respOfNode = { handle, respPort: handle.respPort };
  return handle;
}

function cpuSeconds(pid: number | undefined): number | undefined {
  return pid === undefined ? undefined : processTreeCpuSeconds(pid);
}

/** Resident set size of `pid` in bytes (VmRSS), or undefined when unknown. */
function rssBytes(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? undefined : Number(m[1]) * 1024;
  } catch {
    return undefined;
  }
}

async function measure(server: ServerHandle, protocol: WireProtocol, o: KvOptions, pipeline: number, getRatio: number, requests: number, keySpace = o.keySpace): Promise<ServerMeasurement> {
  const spec = { keySpace, valueSize: o.valueSize, getRatio, pipeline, seed: o.seed };
  const batches = buildBatches(spec, protocol, Math.min(BATCH_POOL, Math.ceil(requests / pipeline)));
  const cpu0 = cpuSeconds(server.pid);
  const load = await runLoad({
    host: server.host,
    port: server.port,
    protocol,
    connections: o.connections,
    batches,
    requestsPerBatch: pipeline,
    maxRequests: requests,
    durationMs: o.durationMs,
  });
  const cpu1 = cpuSeconds(server.pid);
  return { load, serverCpuSeconds: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0 };
}

function summaryLine(m: ServerMeasurement): string {
  const cpu = m.serverCpuSeconds === undefined ? 'n/a' : `${((m.serverCpuSeconds * 1e6) / Math.max(1, m.load.ops)).toFixed(2)} µs/op`;
  return (
    `${Math.round(m.load.opsPerSec)} ops/s, p50 ${m.load.latency.p50.toFixed(3)} ms, p99 ${m.load.latency.p99.toFixed(3)} ms, ` +
    `server CPU ${cpu}, client CPU ${((m.load.clientCpuMs * 1000) / Math.max(1, m.load.ops)).toFixed(2)} µs/op` +
    `${m.load.errors > 0 ? `, ${m.load.errors} errors` : ''}`
  );
}

/**
 * Runs `bench kv` with the given arguments and returns the report (markdown,
 * or JSON with `--json`); progress goes to stderr. Servers it started are
 * stopped by PID before it returns, also on failure.
 * @throws BenchError on bad options, a server that does not start, or a lost connection
 */
export async function benchKv(argv: string[]): Promise<string> {
  const o = parseKvOptions(argv);
  if (o.help) return KV_USAGE;

  const servers = new Map<ServerName, ServerHandle>();
  let broker: BenchBroker | undefined;
  const stopAll = async (): Promise<void> => {
    await Promise.all([...servers.values()].map((s) => s.stop()));
    servers.clear();
    await broker?.stop();
    broker = undefined;
  };
  const onSignal = (): void => {
    void stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const startsNode = (o.servers.includes('merklekv') || o.servers.includes('resp')) && o.port === undefined;
    if ((startsNode || o.servers.includes('floor')) && o.broker === 'mosquitto') {
      broker = await startBenchBroker();
      log(`mosquitto on ${broker.url} (pid ${broker.pid ?? 'unknown'})`);
    }
    const brokerUrl = broker?.url ?? o.broker;
    // The node first, so `resp` measures the same process's RESP port whatever the order of --servers.
    const startOrder = [...o.servers].sort((a, b) => Number(b === 'merklekv') - Number(a === 'merklekv'));
    for (const name of startOrder) {
      const s = await startServer(name, o, brokerUrl);
      servers.set(name, s);
      log(`${s.label} on ${s.host}:${s.port} (pid ${s.pid ?? 'unknown'}): ${s.launch}`);
    }
    // Preload every key (so GETs hit) and warm up (JIT, allocator) before measuring.
    const rssPerKey: Partial<Record<ServerName, number>> = {};
    for (const [name, s] of servers) {
      const protocol = protocolOf[name];
      const rss0 = rssBytes(s.pid);
      const pre = await sendAll(s.host, s.port, protocol, buildPreload({ keySpace: o.keySpace, valueSize: o.valueSize, seed: o.seed }, protocol, 100));
      if (pre.errors > 0) log(`warning: ${s.label} answered ${pre.errors} preload SETs with an error`);
      const rss1 = rssBytes(s.pid);
      if (rss0 !== undefined && rss1 !== undefined) rssPerKey[name] = (rss1 - rss0) / o.keySpace;
      await measure(s, protocol, o, 1, 0.5, Math.min(20_000, o.requests));
      log(`${s.label}: preloaded ${o.keySpace} keys and warmed up`);
    }

    const scenarios: ScenarioResult[] = [];
    for (const mix of o.mixes) {
      for (const pipeline of o.pipelines) {
        const name = scenarioName(mix.label, o.connections, pipeline);
        const results: Partial<Record<ServerName, ServerMeasurement>> = {};
        for (const server of o.servers) {
          const s = servers.get(server) as ServerHandle;
          const m = await measure(s, protocolOf[server], o, pipeline, mix.getRatio, o.requests);
          results[server] = m;
          log(`${name} — ${s.label}: ${summaryLine(m)} (load average ${loadavg()[0]?.toFixed(2)})`);
        }
        scenarios.push({ name, pipeline, getRatio: mix.getRatio, merklekv: results.merklekv, redis: results.redis, baseline: results.baseline, floor: results.floor, resp: results.resp });
      }
    }
    // The hot set: an extra row, never the only one (a small keyspace flatters every cache).
    if (o.hotKeySpace > 0 && o.hotKeySpace !== o.keySpace) {
      const pipeline = Math.max(...o.pipelines);
      for (const mix of o.mixes) {
        const name = `${scenarioName(mix.label, o.connections, pipeline)}, hot set of ${o.hotKeySpace.toLocaleString('en-US')} keys`;
        const results: Partial<Record<ServerName, ServerMeasurement>> = {};
        for (const [server, s] of servers) {
          const protocol = protocolOf[server];
          await sendAll(s.host, s.port, protocol, buildPreload({ keySpace: o.hotKeySpace, valueSize: o.valueSize, seed: o.seed }, protocol, 100));
          const m = await measure(s, protocol, o, pipeline, mix.getRatio, o.requests, o.hotKeySpace);
          results[server] = m;
          log(`${name} — ${s.label}: ${summaryLine(m)} (load average ${loadavg()[0]?.toFixed(2)})`);
        }
        scenarios.push({ name, pipeline, getRatio: mix.getRatio, merklekv: results.merklekv, redis: results.redis, baseline: results.baseline, floor: results.floor, resp: results.resp });
      }
    }

    const report: KvReport = {
      settings: {
        connections: o.connections,
        keySpace: o.keySpace,
        valueSize: o.valueSize,
        requests: o.requests,
        durationMs: o.durationMs,
        replication: !startsNode ? 'as configured on the given node' : o.broker === 'none' ? 'off (broker_address = "none")' : o.broker === 'mosquitto' ? 'on, through a mosquitto started here' : `on, through ${o.broker}`,
        antiEntropy: startsNode ? (o.antiEntropy ? 'on (default interval)' : 'off') : 'as configured on the given node',
        loadAverage: loadavg()[0] ?? 0,
      },
      rssBytesPerKey: rssPerKey,
      environment: {
        node: process.version,
        cpus: availableParallelism(),
        merklekv: servers.get('merklekv')?.launch.replace(process.execPath, 'node').replace(/--config \S+/, '--config bench.toml').replace(workspaceRoot + '/', ''),
        redis: servers.get('redis')?.launch,
        baseline: servers.get('baseline')?.launch.replace(process.execPath, 'node').replace(workspaceRoot + '/', ''),
        floor: servers.get('floor')?.launch.replace(process.execPath, 'node').replace(workspaceRoot + '/', ''),
      },
      scenarios,
    };
    return o.json ? `${JSON.stringify(report, null, 2)}\n` : formatKvMarkdown(report);
  } finally {
    await stopAll();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
