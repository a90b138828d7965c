import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { HLC_LOGICAL_PER_MS, HybridClock, packTs, tsMillis } from './hlc.js';

function fakeWall(start: number): { now: () => number; set: (ms: number) => void } {
  let t = start;
  return { now: () => t, set: (ms) => (t = ms) };
}

describe('HybridClock', () => {
  it('packs ms × 1024 + counter', () => {
    const wall = fakeWall(1000);
    const clock = new HybridClock({ now: wall.now });
    expect(clock.now()).toBe(1000 * 1024);
    expect(clock.now()).toBe(1000 * 1024 + 1);
    wall.set(1001);
    expect(clock.now()).toBe(1001 * 1024);
    expect(tsMillis(clock.last())).toBe(1001);
    expect(packTs(7, 3)).toBe(7 * HLC_LOGICAL_PER_MS + 3);
  });

  it('carries a counter overflow into the ms part', () => {
    const clock = new HybridClock({ now: () => 5 });
    let ts = 0;
    for (let i = 0; i < HLC_LOGICAL_PER_MS + 1; i++) ts = clock.now();
    expect(ts).toBe(6 * HLC_LOGICAL_PER_MS);
  });

  it('never goes backwards, whatever the wall clock does', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 200 }), (walls) => {
        const wall = fakeWall(0);
        const clock = new HybridClock({ now: wall.now });
        let prev = -1;
        for (const ms of walls) {
          wall.set(ms);
          const ts = clock.now();
          expect(ts).toBeGreaterThan(prev);
          expect(ts).toBeGreaterThanOrEqual(ms * 1024);
          prev = ts;
        }
      }),
    );
  });

  it('moves past an observed remote ts within the maximum offset', () => {
    const wall = fakeWall(10_000);
    const clock = new HybridClock({ now: wall.now, maxOffsetMs: 500 });
    const remote = packTs(10_300, 7);
    expect(clock.observe(remote)).toEqual({ skewMs: 300, clamped: false });
    expect(clock.now()).toBeGreaterThan(remote);
  });

  it('does not follow a remote ts beyond the maximum offset, and reports the skew', () => {
    const wall = fakeWall(10_000);
    const clock = new HybridClock({ now: wall.now, maxOffsetMs: 500 });
    const remote = packTs(70_000);
    expect(clock.observe(remote)).toEqual({ skewMs: 60_000, clamped: true });
    const ts = clock.now();
    expect(ts).toBeLessThan(remote);
    expect(tsMillis(ts)).toBeLessThanOrEqual(10_000 + 500 + 1);
    expect(tsMillis(ts)).toBeGreaterThanOrEqual(10_500);
  });

  it('reports a negative skew for a remote ts behind the wall clock and stays put', () => {
    const wall = fakeWall(10_000);
    const clock = new HybridClock({ now: wall.now });
    const before = clock.now();
    expect(clock.observe(packTs(9_000))).toEqual({ skewMs: -1000, clamped: false });
    expect(clock.last()).toBe(before);
  });

  it('never goes backwards across interleaved now() and observe()', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('wall' as const), ms: fc.integer({ min: 0, max: 5000 }) }),
      fc.record({ kind: fc.constant('now' as const) }),
      fc.record({ kind: fc.constant('observe' as const), ts: fc.integer({ min: 0, max: 6000 * 1024 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 100 }), (ops) => {
        const wall = fakeWall(1000);
        const clock = new HybridClock({ now: wall.now, maxOffsetMs: 500 });
        let prev = clock.last();
        for (const o of ops) {
          if (o.kind === 'wall') wall.set(o.ms);
          else if (o.kind === 'now') expect(clock.now()).toBeGreaterThan(prev);
          else {
            const { clamped } = clock.observe(o.ts);
            if (!clamped) expect(clock.last()).toBeGreaterThanOrEqual(o.ts);
            expect(tsMillis(clock.last())).toBeLessThanOrEqual(Math.max(tsMillis(prev), wall.now() + 500));
          }
          expect(clock.last()).toBeGreaterThanOrEqual(prev);
          prev = clock.last();
        }
      }),
    );
  });

  it('rejects a negative maximum offset', () => {
    expect(() => new HybridClock({ maxOffsetMs: -1 })).toThrow(RangeError);
  });
});
