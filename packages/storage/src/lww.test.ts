import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { keyedVersionArb, plain, versionArb } from './__tests__/arbitraries.js';
import { compareVersions, mergeVersion } from './lww.js';
import { makeRecord, tombstone } from './record.js';
import type { VersionedRecord } from './record.js';

describe('compareVersions', () => {
  it('orders by ts first', () => {
    expect(compareVersions(makeRecord('z', 2, 'a'), makeRecord('a', 1, 'z'))).toBeGreaterThan(0);
    expect(compareVersions(makeRecord('z', 1, 'z'), makeRecord('a', 2, 'a'))).toBeLessThan(0);
  });

  it('breaks ts ties by node id, then tombstone, then value', () => {
    expect(compareVersions(makeRecord('a', 5, 'n2'), makeRecord('z', 5, 'n1'))).toBeGreaterThan(0);
    expect(compareVersions(tombstone(5, 'n1'), makeRecord('z', 5, 'n1'))).toBeGreaterThan(0);
    expect(compareVersions(makeRecord('b', 5, 'n1'), makeRecord('a', 5, 'n1'))).toBeGreaterThan(0);
    expect(compareVersions(makeRecord('a', 5, 'n1'), makeRecord('a', 5, 'n1'))).toBe(0);
  });

  it('is a total order: antisymmetric and transitive, 0 only for equal versions', () => {
    fc.assert(
      fc.property(versionArb, versionArb, versionArb, (a, b, c) => {
        expect(Math.sign(compareVersions(a, b)) + Math.sign(compareVersions(b, a))).toBe(0);
        if (compareVersions(a, b) <= 0 && compareVersions(b, c) <= 0) expect(compareVersions(a, c)).toBeLessThanOrEqual(0);
        if (compareVersions(a, b) === 0) expect(plain(a)).toEqual(plain(b));
      }),
    );
  });
});

describe('mergeVersion', () => {
  it('takes the incoming version when nothing is held', () => {
    const v = makeRecord('v', 1, 'a');
    expect(mergeVersion(undefined, v)).toBe(v);
  });

  it('is commutative, associative and idempotent', () => {
    fc.assert(
      fc.property(versionArb, versionArb, versionArb, (a, b, c) => {
        expect(plain(mergeVersion(a, b))).toEqual(plain(mergeVersion(b, a)));
        expect(plain(mergeVersion(mergeVersion(a, b), c))).toEqual(plain(mergeVersion(a, mergeVersion(b, c))));
        expect(plain(mergeVersion(a, a))).toEqual(plain(a));
        expect(plain(mergeVersion(mergeVersion(a, b), b))).toEqual(plain(mergeVersion(a, b)));
      }),
    );
  });

  it('gives two replicas the same state for any interleaving, duplication and reordering', () => {
    const scenario = fc
      .array(keyedVersionArb, { maxLength: 30 })
      .chain((versions) =>
        fc.tuple(
          fc.constant(versions),
          // Each replica sees every version at least once, in its own order, some more than once.
          fc.shuffledSubarray(versions, { minLength: versions.length }),
          fc.array(fc.nat({ max: Math.max(0, versions.length - 1) }), { maxLength: 10 }),
        ),
      );
    fc.assert(
      fc.property(scenario, ([versions, shuffled, dupes]) => {
        const apply = (seq: ReadonlyArray<readonly [string, VersionedRecord]>): Map<string, object | undefined> => {
          const state = new Map<string, VersionedRecord>();
          for (const [k, v] of seq) state.set(k, mergeVersion(state.get(k), v));
          return new Map([...state].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, plain(v)]));
        };
        const withDupes = [...shuffled];
        for (const i of dupes) if (versions[i]) withDupes.push(versions[i]);
        expect(apply(withDupes)).toEqual(apply(versions));
        expect(apply([...versions].reverse())).toEqual(apply(versions));
      }),
    );
  });
});
