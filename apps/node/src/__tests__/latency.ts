import { performance } from 'node:perf_hooks';
import type { LineClient } from './harness.js';

/** Round-trip times of one client, in milliseconds. */
export interface LatencyStats {
  readonly requests: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** The `p`-th percentile (0..100) of ascending `sorted` samples, nearest-rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('no samples');
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

/**
 * Sends `count` requests one at a time, alternating `PING` and `GET key`,
 * checks every reply (`PONG`, then `expectedValue`) and times each round trip.
 * @throws if a reply is wrong or does not come within the client's timeout
 */
export async function measureLatency(client: LineClient, count: number, key: string, expectedValue: string): Promise<LatencyStats> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const ping = i % 2 === 0;
    const started = performance.now();
    const reply = await client.call(ping ? 'PING' : `GET ${key}`);
    samples.push(performance.now() - started);
    const expected = ping ? 'PONG' : expectedValue;
    if (reply !== expected) throw new Error(`request ${i} (${ping ? 'PING' : `GET ${key}`}) got ${JSON.stringify(reply.slice(0, 80))}`);
  }
  samples.sort((a, b) => a - b);
  return { requests: count, p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99), maxMs: samples[samples.length - 1] as number };
}

/** One row of the latency table. */
export interface LatencyRow {
  readonly scenario: string;
  readonly stats: LatencyStats;
  readonly notes: string;
}

/** A markdown table of the rows, for docs/BENCHMARKS.md. */
export function latencyTable(rows: readonly LatencyRow[]): string {
  const ms = (v: number) => v.toFixed(2);
  return [
    '| Abuse running meanwhile | Requests | p50 (ms) | p99 (ms) | max (ms) | Notes |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...rows.map((r) => `| ${r.scenario} | ${r.stats.requests} | ${ms(r.stats.p50Ms)} | ${ms(r.stats.p99Ms)} | ${ms(r.stats.maxMs)} | ${r.notes} |`),
  ].join('\n');
}
