import fc from 'fast-check';
import { LatencyRecorder, percentile } from './latency.js';

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const s = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(s, 50)).toBe(5);
    expect(percentile(s, 51)).toBe(6);
    expect(percentile(s, 99)).toBe(10);
    expect(percentile(s, 0)).toBe(1);
    expect(percentile(s, 100)).toBe(10);
    expect(percentile([], 50)).toBeNaN();
  });

  it('is a sample, monotone in p, and has at least p% of samples at or below it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (xs, a, b) => {
          const sorted = Float64Array.from(xs).sort();
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const v = percentile(sorted, lo);
          expect(xs).toContain(v);
          expect(v).toBeLessThanOrEqual(percentile(sorted, hi));
          const atOrBelow = xs.filter((x) => x <= v).length;
          expect(atOrBelow / xs.length).toBeGreaterThanOrEqual(lo / 100 - 1e-12);
          // and it is the smallest such sample
          const below = xs.filter((x) => x < v).length;
          expect(below / xs.length).toBeLessThan(Math.max(lo / 100, 1 / xs.length) + 1e-12);
        },
      ),
    );
  });
});

describe('LatencyRecorder', () => {
  it('grows past its initial capacity and summarises exactly', () => {
    const r = new LatencyRecorder(16);
    for (let i = 1000; i >= 1; i--) r.record(i);
    const s = r.summary();
    expect(s.count).toBe(1000);
    expect(s.min).toBe(1);
    expect(s.max).toBe(1000);
    expect(s.mean).toBeCloseTo(500.5, 10);
    expect(s.p50).toBe(500);
    expect(s.p99).toBe(990);
    expect(s.p999).toBe(999);
  });

  it('merges another recorder', () => {
    const a = new LatencyRecorder();
    const b = new LatencyRecorder();
    a.record(3);
    b.record(1);
    b.record(2);
    a.merge(b);
    expect(a.summary()).toMatchObject({ count: 3, min: 1, max: 3, p50: 2 });
  });

  it('reports NaN when empty', () => {
    expect(new LatencyRecorder().summary().p50).toBeNaN();
  });
});
