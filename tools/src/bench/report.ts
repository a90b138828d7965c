/** The results of `bench kv` and their markdown rendering. Pure. */
import type { LoadResult } from './load-runner.js';

/** One server's run of one scenario. */
export interface ServerMeasurement {
  readonly load: LoadResult;
  /** Server CPU (utime+stime) during the run, seconds; undefined without a PID. */
  readonly serverCpuSeconds: number | undefined;
}

/** One row of the comparison: a workload run against each server. */
export interface ScenarioResult {
  /** E.g. `SET, 50 conns, unpipelined`. */
  readonly name: string;
  readonly pipeline: number;
  readonly getRatio: number;
  readonly merklekv: ServerMeasurement | undefined;
  readonly redis: ServerMeasurement | undefined;
  /** The bare Node.js reference server (`--servers ...,baseline`), when measured. */
  readonly baseline?: ServerMeasurement | undefined;
  /** The floor server (`--servers ...,floor`: the baseline plus the design's per-write work), when measured. */
  readonly floor?: ServerMeasurement | undefined;
  /** The node's RESP port (`--servers ...,resp`), when measured. */
  readonly resp?: ServerMeasurement | undefined;
}

/** Everything `bench kv` measured, with the settings that produced it. */
export interface KvReport {
  readonly settings: {
    readonly connections: number;
    readonly keySpace: number;
    readonly valueSize: number;
    readonly requests: number;
    readonly durationMs: number;
    /** How the MerkleKV node replicates (e.g. `on, through a mosquitto started here`). */
    readonly replication?: string;
    readonly antiEntropy?: string;
    /** 1-minute load average when the report was made. */
    readonly loadAverage?: number;
  };
  /** RSS growth per preloaded key, bytes, per server. */
  readonly rssBytesPerKey?: { readonly merklekv?: number; readonly redis?: number; readonly baseline?: number };
  readonly environment: {
    readonly node: string;
    readonly cpus: number;
    readonly merklekv: string | undefined;
    readonly redis: string | undefined;
    readonly baseline?: string | undefined;
    readonly floor?: string | undefined;
  };
  readonly scenarios: readonly ScenarioResult[];
}

/** Server CPU microseconds per answered request; undefined when unknown. */
export function cpuMicrosPerOp(m: ServerMeasurement | undefined): number | undefined {
  if (m === undefined || m.serverCpuSeconds === undefined || m.load.ops === 0) return undefined;
  return (m.serverCpuSeconds * 1e6) / m.load.ops;
}

/** `a / b`, or undefined when either is unknown or b is 0. */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}

const dash = '–';

function fmtInt(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? dash : Math.round(n).toLocaleString('en-US');
}

function fmtMs(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return dash;
  return n < 1 ? n.toFixed(3) : n < 10 ? n.toFixed(2) : n.toFixed(1);
}

function fmtNum(n: number | undefined, digits: number): string {
  return n === undefined || !Number.isFinite(n) ? dash : n.toFixed(digits);
}

function fmtRatio(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? dash : `${n.toFixed(2)}×`;
}

function latency(m: ServerMeasurement | undefined): string {
  return m === undefined ? dash : `${fmtMs(m.load.latency.p50)} / ${fmtMs(m.load.latency.p99)}`;
}

/** The scenario name for a mix label, connection count and pipeline depth. */
export function scenarioName(mixLabel: string, connections: number, pipeline: number): string {
  return `${mixLabel}, ${connections} conns, ${pipeline === 1 ? 'unpipelined' : `pipeline ${pipeline}`}`;
}

/**
 * Renders the report as a markdown section: settings, table, notes. When any
 * scenario measured the baseline server, the table gains its CPU per op and
 * its ratio to Redis: the floor MerkleKV's ratio is read against.
 */
export function formatKvMarkdown(report: KvReport): string {
  const s = report.settings;
  const withBaseline = report.scenarios.some((sc) => sc.baseline !== undefined);
  const withFloor = report.scenarios.some((sc) => sc.floor !== undefined);
  const withResp = report.scenarios.some((sc) => sc.resp !== undefined);
  const lines = [
    `Workload: ${s.keySpace.toLocaleString('en-US')} keys, ${s.valueSize}-byte values, ${s.connections} connections; ` +
      `each scenario runs ${s.requests.toLocaleString('en-US')} requests or ${s.durationMs / 1000} s per server, whichever ends first. ` +
      `Node ${report.environment.node}, ${report.environment.cpus} CPUs (load generator and server share them).` +
      (s.replication !== undefined ? ` MerkleKV replication: ${s.replication}; anti-entropy: ${s.antiEntropy ?? 'unknown'}.` : '') +
      (s.loadAverage !== undefined ? ` Load average ${s.loadAverage.toFixed(2)} at the end.` : ''),
    '',
    '| Scenario | MerkleKV ops/s | Redis ops/s | ops/s ratio | MerkleKV p50 / p99 ms | Redis p50 / p99 ms | MerkleKV CPU µs/op | Redis CPU µs/op | CPU/op ratio |' +
      (withBaseline ? ' Baseline CPU µs/op | Baseline/Redis CPU |' : '') +
      (withFloor ? ' Floor CPU µs/op | Floor/Redis CPU |' : '') +
      (withResp ? ' RESP ops/s | RESP CPU µs/op | RESP/Redis CPU |' : ''),
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |' + (withBaseline ? ' ---: | ---: |' : '') + (withFloor ? ' ---: | ---: |' : '') + (withResp ? ' ---: | ---: | ---: |' : ''),
  ];
  const notes: string[] = [];
  for (const sc of report.scenarios) {
    const mk = sc.merklekv;
    const rd = sc.redis;
    const mkCpu = cpuMicrosPerOp(mk);
    const rdCpu = cpuMicrosPerOp(rd);
    const blCpu = cpuMicrosPerOp(sc.baseline);
    lines.push(
      `| ${sc.name} | ${fmtInt(mk?.load.opsPerSec)} | ${fmtInt(rd?.load.opsPerSec)} | ${fmtNum(ratio(mk?.load.opsPerSec, rd?.load.opsPerSec), 2)} | ` +
        `${latency(mk)} | ${latency(rd)} | ${fmtNum(mkCpu, 2)} | ${fmtNum(rdCpu, 2)} | ${fmtRatio(ratio(mkCpu, rdCpu))} |` +
        (withBaseline ? ` ${fmtNum(blCpu, 2)} | ${fmtRatio(ratio(blCpu, rdCpu))} |` : '') +
        (withFloor ? ` ${fmtNum(cpuMicrosPerOp(sc.floor), 2)} | ${fmtRatio(ratio(cpuMicrosPerOp(sc.floor), rdCpu))} |` : '') +
        (withResp ? ` ${fmtInt(sc.resp?.load.opsPerSec)} | ${fmtNum(cpuMicrosPerOp(sc.resp), 2)} | ${fmtRatio(ratio(cpuMicrosPerOp(sc.resp), rdCpu))} |` : ''),
    );
    for (const [label, m] of [
      ['MerkleKV', mk],
      ['Redis', rd],
      ['Baseline', sc.baseline],
      ['Floor', sc.floor],
      ['MerkleKV RESP', sc.resp],
    ] as const) {
      if (m !== undefined && m.load.errors > 0) notes.push(`${sc.name}: ${label} answered ${m.load.errors} requests with an error.`);
      if (m !== undefined && sc.getRatio > 0 && m.load.nils > 0) notes.push(`${sc.name}: ${label} answered ${m.load.nils} GETs with nil.`);
    }
  }
  lines.push(
    '',
    'ops/s ratio and CPU/op ratio are MerkleKV / Redis. Latency is per request: the round trip of the pipelined batch it was sent in. ' +
      'CPU µs/op is the server process’s utime+stime (/proc/PID/stat) over the run divided by the requests answered.',
  );
  if (report.environment.merklekv) lines.push(`MerkleKV: \`${report.environment.merklekv}\`.`);
  if (report.environment.redis) lines.push(`Redis: \`${report.environment.redis}\`.`);
  if (withBaseline) {
    lines.push(
      'Baseline: a bare Node.js server (tools/src/bench/baseline-server.ts: lines split with Buffer.indexOf, a Map, one write per chunk), ' +
        'the floor a Node.js server reaches here' + (report.environment.baseline ? `: \`${report.environment.baseline}\`.` : '.'),
    );
  }
  if (withFloor) {
    lines.push(
      'Floor: the baseline server plus the least of the per-write work the design requires (tools/src/bench/floor-backend.ts: an HLC stamp, ' +
        'the version digest and the Merkle tree update per SET, and, with replication on, each turn’s writes published as one QoS 1 batch ' +
        'to the same broker as the node)' + (report.environment.floor ? `: \`${report.environment.floor}\`.` : '.'),
    );
  }
  const rss = report.rssBytesPerKey;
  if (rss !== undefined && (rss.merklekv !== undefined || rss.redis !== undefined)) {
    lines.push(
      `RSS growth per preloaded key (${s.keySpace.toLocaleString('en-US')} keys): MerkleKV ${fmtNum(rss.merklekv, 0)} B, Redis ${fmtNum(rss.redis, 0)} B` +
        ` (ratio ${fmtRatio(ratio(rss.merklekv, rss.redis))}).`,
    );
  }
  for (const n of notes) lines.push(`- ${n}`);
  return `${lines.join('\n')}\n`;
}
