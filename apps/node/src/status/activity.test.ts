import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ActivityWindow, bucketQuantile } from './activity.js';

const BOUNDS = [0.001, 0.01, 0.1, 1];

describe('bucketQuantile', () => {
  it('interpolates inside the bucket where the rank falls, as histogram_quantile does', () => {
    // 100 observations: 50 ≤ 1 ms, 40 in (1, 10] ms, 10 in (10, 100] ms.
    expect(bucketQuantile(0.5, BOUNDS, [50, 90, 100, 100, 100])).toBeCloseTo(0.001);
    expect(bucketQuantile(0.99, BOUNDS, [50, 90, 100, 100, 100])).toBeCloseTo(0.01 + 0.09 * 0.9);
    expect(bucketQuantile(0.99, BOUNDS, [0, 0, 0, 0, 0])).toBeUndefined();
    // Past the last finite bound: the largest finite bound.
    expect(bucketQuantile(0.99, BOUNDS, [0, 0, 0, 0, 10])).toBe(1);
  });

  it('property: within [0, largest bound] and monotone in q', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { minLength: 5, maxLength: 5 }), fc.double({ min: 0.01, max: 1, noNaN: true }), fc.double({ min: 0.01, max: 1, noNaN: true }), (counts, q1, q2) => {
        const cumulative = counts.map((_, i) => counts.slice(0, i + 1).reduce((a, b) => a + b, 0));
        const lo = bucketQuantile(Math.min(q1, q2), BOUNDS, cumulative);
        const hi = bucketQuantile(Math.max(q1, q2), BOUNDS, cumulative);
        if ((cumulative[4] ?? 0) === 0) return expect(lo).toBeUndefined();
        expect(lo).toBeGreaterThanOrEqual(0);
        expect(hi).toBeLessThanOrEqual(1);
        expect(hi as number).toBeGreaterThanOrEqual((lo as number) - 1e-12);
      }),
    );
  });
});

describe('ActivityWindow', () => {
  const sample = (at: number, commands: number, buckets: number[], rin = 0, rout = 0) => ({ at, commands, replicationIn: rin, replicationOut: rout, latencyBuckets: buckets });

  it('has no rates until two samples span some time', () => {
    const w = new ActivityWindow(BOUNDS);
    expect(w.rates()).toBeUndefined();
    w.push(sample(1000, 5, [0, 0, 0, 0, 0]));
    expect(w.rates()).toBeUndefined();
  });

  it('divides the counters moved across the window by its length, and takes p99 of the latencies seen in it', () => {
    const w = new ActivityWindow(BOUNDS, 3);
    w.push(sample(0, 0, [1000, 1000, 1000, 1000, 1000])); // dropped below: the window keeps 3
    w.push(sample(1000, 100, [0, 0, 0, 0, 0], 10, 20));
    w.push(sample(2000, 300, [90, 100, 100, 100, 100], 30, 60));
    w.push(sample(3000, 500, [180, 200, 200, 200, 200], 50, 100));
    const r = w.rates();
    expect(r).toMatchObject({ opsPerSec: 200, replicationInPerSec: 20, replicationOutPerSec: 40, windowSeconds: 2 });
    // 200 timed: 180 ≤ 1 ms, 20 in (1, 10] ms: rank 198 falls 18/20 into the second bucket.
    expect(r?.p99LatencyMs).toBeCloseTo(1 + 9 * 0.9);
  });

  it('reports no p99 when nothing was timed in the window', () => {
    const w = new ActivityWindow(BOUNDS);
    w.push(sample(0, 0, [5, 5, 5, 5, 5]));
    w.push(sample(1000, 3, [5, 5, 5, 5, 5]));
    expect(w.rates()?.p99LatencyMs).toBeNull();
  });
});
