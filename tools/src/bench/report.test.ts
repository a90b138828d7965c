import { cpuMicrosPerOp, formatKvMarkdown, ratio, scenarioName, type KvReport, type ServerMeasurement } from './report.js';

function measurement(ops: number, seconds: number, cpuSeconds: number | undefined, p50: number, p99: number, errors = 0): ServerMeasurement {
  return {
    serverCpuSeconds: cpuSeconds,
    load: {
      ops,
      errors,
      nils: 0,
      elapsedMs: seconds * 1000,
      opsPerSec: ops / seconds,
      clientCpuMs: 1,
      latency: { count: ops, min: 0, mean: p50, p50, p90: p99, p99, p999: p99, max: p99 },
    },
  };
}

describe('report', () => {
  it('computes CPU per op and ratios', () => {
    expect(cpuMicrosPerOp(measurement(200_000, 2, 1, 0.5, 1))).toBeCloseTo(5, 10);
    expect(cpuMicrosPerOp(measurement(200_000, 2, undefined, 0.5, 1))).toBeUndefined();
    expect(cpuMicrosPerOp(measurement(0, 2, 1, 0.5, 1))).toBeUndefined();
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(3, 0)).toBeUndefined();
    expect(ratio(undefined, 2)).toBeUndefined();
  });

  it('names scenarios', () => {
    expect(scenarioName('SET', 50, 1)).toBe('SET, 50 conns, unpipelined');
    expect(scenarioName('GET', 50, 16)).toBe('GET, 50 conns, pipeline 16');
  });

  it('renders one table row per scenario with both servers and the ratios', () => {
    const report: KvReport = {
      settings: { connections: 50, keySpace: 10_000, valueSize: 100, requests: 200_000, durationMs: 10_000 },
      environment: { node: 'v20.0.0', cpus: 2, merklekv: 'node apps/node/dist/main.js', redis: 'redis-server' },
      scenarios: [
        { name: 'SET, 50 conns, unpipelined', pipeline: 1, getRatio: 0, merklekv: measurement(100_000, 2, 1.6, 0.8, 2.5, 3), redis: measurement(200_000, 2, 1, 0.4, 1.2) },
        { name: 'GET, 50 conns, pipeline 16', pipeline: 16, getRatio: 1, merklekv: measurement(200_000, 1, 0.5, 4, 12), redis: undefined },
      ],
    };
    const md = formatKvMarkdown(report);
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Scenario') && !l.startsWith('| ---'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toBe('| SET, 50 conns, unpipelined | 50,000 | 100,000 | 0.50 | 0.800 / 2.50 | 0.400 / 1.20 | 16.00 | 5.00 | 3.20× |');
    expect(rows[1]).toBe('| GET, 50 conns, pipeline 16 | 200,000 | – | – | 4.00 / 12.0 | – | 2.50 | – | – |');
    expect(md).toMatch(/MerkleKV answered 3 requests with an error/);
    expect(md).toMatch(/10,000 keys, 100-byte values, 50 connections/);
  });

  it('adds the baseline CPU and its ratio to Redis when a scenario measured it', () => {
    const report: KvReport = {
      settings: { connections: 50, keySpace: 10_000, valueSize: 100, requests: 200_000, durationMs: 10_000 },
      environment: { node: 'v20.0.0', cpus: 2, merklekv: 'node main.js', redis: 'redis-server', baseline: 'node baseline-server.ts' },
      scenarios: [
        {
          name: 'SET, 50 conns, pipeline 16', pipeline: 16, getRatio: 0,
          merklekv: measurement(200_000, 1, 0.6, 1, 2), redis: measurement(200_000, 1, 0.2, 1, 2), baseline: measurement(200_000, 1, 0.4, 1, 2, 2),
        },
      ],
    };
    const md = formatKvMarkdown(report);
    expect(md).toMatch(/\| CPU\/op ratio \| Baseline CPU µs\/op \| Baseline\/Redis CPU \|/);
    const row = md.split('\n').find((l) => l.startsWith('| SET'));
    expect(row).toBe('| SET, 50 conns, pipeline 16 | 200,000 | 200,000 | 1.00 | 1.00 / 2.00 | 1.00 / 2.00 | 3.00 | 1.00 | 3.00× | 2.00 | 2.00× |');
    expect(md).toMatch(/Baseline answered 2 requests with an error/);
    expect(md).toMatch(/`node baseline-server.ts`/);
  });

  it('adds the floor server CPU and its ratio to Redis after the baseline columns', () => {
    const report: KvReport = {
      settings: { connections: 50, keySpace: 10_000, valueSize: 100, requests: 200_000, durationMs: 10_000 },
      environment: { node: 'v20.0.0', cpus: 2, merklekv: 'node main.js', redis: 'redis-server', baseline: 'node baseline-server.ts', floor: 'node baseline-server.ts 1 --floor none' },
      scenarios: [
        {
          name: 'SET, 50 conns, pipeline 16', pipeline: 16, getRatio: 0,
          merklekv: measurement(200_000, 1, 0.6, 1, 2), redis: measurement(200_000, 1, 0.2, 1, 2), baseline: measurement(200_000, 1, 0.4, 1, 2),
          floor: measurement(200_000, 1, 0.5, 1, 2, 1),
        },
      ],
    };
    const md = formatKvMarkdown(report);
    expect(md).toMatch(/\| Baseline\/Redis CPU \| Floor CPU µs\/op \| Floor\/Redis CPU \|/);
    const row = md.split('\n').find((l) => l.startsWith('| SET'));
    expect(row).toBe('| SET, 50 conns, pipeline 16 | 200,000 | 200,000 | 1.00 | 1.00 / 2.00 | 1.00 / 2.00 | 3.00 | 1.00 | 3.00× | 2.00 | 2.00× | 2.50 | 2.50× |');
    expect(md).toMatch(/Floor answered 1 requests with an error/);
    expect(md).toMatch(/`node baseline-server.ts 1 --floor none`/);
  });

  it('leaves the baseline columns out when no scenario measured it', () => {
    const report: KvReport = {
      settings: { connections: 1, keySpace: 1, valueSize: 1, requests: 1, durationMs: 1000 },
      environment: { node: 'v20.0.0', cpus: 2, merklekv: undefined, redis: undefined },
      scenarios: [{ name: 'GET, 1 conns, unpipelined', pipeline: 1, getRatio: 1, merklekv: measurement(10, 1, 0, 1, 1), redis: undefined }],
    };
    expect(formatKvMarkdown(report)).not.toMatch(/Baseline/);
  });

  it('states the replication setup, the load average and the RSS per key of both servers', () => {
    const report: KvReport = {
      settings: {
        connections: 50, keySpace: 100_000, valueSize: 32, requests: 200_000, durationMs: 10_000,
        replication: 'on, through a mosquitto started here', antiEntropy: 'on (default interval)', loadAverage: 1.234,
      },
      rssBytesPerKey: { merklekv: 300.4, redis: 150 },
      environment: { node: 'v20.0.0', cpus: 2, merklekv: undefined, redis: undefined },
      scenarios: [],
    };
    const md = formatKvMarkdown(report);
    expect(md).toContain('MerkleKV replication: on, through a mosquitto started here; anti-entropy: on (default interval). Load average 1.23 at the end.');
    expect(md).toContain('RSS growth per preloaded key (100,000 keys): MerkleKV 300 B, Redis 150 B (ratio 2.00×).');
  });
});
