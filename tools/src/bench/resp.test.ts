import { parseBenchmarkCsv, parseRespOptions } from './resp.js';

describe('bench resp', () => {
  it("reads redis-benchmark's CSV", () => {
    const csv = '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"\n"SET","196078.44","3.5","0.2","3.3","5.1","6.0","9.1"\n';
    expect(parseBenchmarkCsv(csv)).toEqual([{ test: 'SET', rps: 196078.44 }]);
  });

  it('has the issue workload as defaults and names a bad option', () => {
    expect(parseRespOptions([])).toMatchObject({ tests: ['set', 'get', 'incr', 'mset'], keyspace: 100_000, valueSize: 32, pipeline: 16 });
    expect(() => parseRespOptions(['--pipeline', '0'])).toThrow("--pipeline must be a positive integer, got '0'");
  });
});
