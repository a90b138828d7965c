import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { DivergenceTracker } from './divergence.js';

describe('DivergenceTracker', () => {
  it('counts seconds since the roots last matched, 0 while they match', () => {
    const t = new DivergenceTracker();
    expect(t.state('p', 0)).toBeUndefined();
    t.observe('p', 1000, true);
    expect(t.state('p', 5000)).toEqual({ matched: true, lastMatchedAt: 1000, seconds: 0 });
    t.observe('p', 2000, false);
    expect(t.state('p', 7000)).toEqual({ matched: false, lastMatchedAt: 1000, divergedSince: 1000, seconds: 6 });
    t.observe('p', 8000, true);
    expect(t.state('p', 9000)?.seconds).toBe(0);
  });

  it('counts from the first observation when the roots never matched', () => {
    const t = new DivergenceTracker();
    t.observe('p', 3000, false);
    expect(t.state('p', 4500)).toEqual({ matched: false, divergedSince: 3000, seconds: 1.5 });
  });

  it('takes late observations in time order: an old mismatch does not hide a newer match', () => {
    const t = new DivergenceTracker();
    t.observe('p', 5000, true);
    t.observe('p', 4000, false); // an anti-entropy session that ended before the probe
    expect(t.state('p', 6000)?.matched).toBe(true);
  });

  it('forgets peers that are gone', () => {
    const t = new DivergenceTracker();
    t.observe('a', 1, true);
    t.observe('b', 1, false);
    t.retain(new Set(['b']));
    expect(t.known()).toEqual(['b']);
  });

  it('property: seconds is 0 iff the latest observation matched, else now minus the latest match (or first sighting)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1e6 }), fc.boolean()), { minLength: 1, maxLength: 30 }), fc.integer({ min: 0, max: 1e6 }), (obs, extra) => {
        const t = new DivergenceTracker();
        for (const [at, matched] of obs) t.observe('p', at, matched);
        const now = Math.max(...obs.map(([at]) => at)) + extra;
        const state = t.state('p', now);
        const latestAt = Math.max(...obs.map(([at]) => at));
        // Several observations at the same latest time: the last one recorded wins.
        const latest = obs.filter(([at]) => at === latestAt).at(-1) as [number, boolean];
        const matches = obs.filter(([, m]) => m).map(([at]) => at);
        const since = matches.length > 0 ? Math.max(...matches) : Math.min(...obs.map(([at]) => at));
        expect(state?.matched).toBe(latest[1]);
        expect(state?.seconds).toBe(latest[1] ? 0 : (now - since) / 1000);
      }),
    );
  });
});
