import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { keyedVersionArb, plain, versionArb } from './__tests__/arbitraries.js';
import { compareVersions } from './lww.js';
import { Store } from './store.js';
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

/** Merging goes through Store.merge alone (the one implementation); these are its LWW laws. */
describe('Store.merge (the LWW merge)', () => {
  const held = (versions: ReadonlyArray<readonly [string, VersionedRecord]>): Map<string, object | undefined> => {
    const store = new Store({ nodeId: 'replica' });
    for (const [k, v] of versions) store.merge(k, v);
    return new Map([...store.versions()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, plain(v)]));
  };

  it('takes the incoming version when nothing is held, and reports stale for a loser or a duplicate', () => {
    const store = new Store({ nodeId: 'replica' });
    expect(store.merge('k', makeRecord('v', 2, 'a'))).toBe('applied');
    expect(store.merge('k', makeRecord('v', 2, 'a'))).toBe('stale');
    expect(store.merge('k', makeRecord('older', 1, 'z'))).toBe('stale');
    expect(plain(store.getVersion('k') as VersionedRecord)).toEqual(plain(makeRecord('v', 2, 'a')));
  });

  it('is commutative, associative and idempotent', () => {
    fc.assert(
      fc.property(versionArb, versionArb, versionArb, (a, b, c) => {
        const k = (v: VersionedRecord) => ['k', v] as const;
        expect(held([k(a), k(b)])).toEqual(held([k(b), k(a)]));
        expect(held([k(a), k(b), k(c)])).toEqual(held([k(c), k(b), k(a)]));
        expect(held([k(a), k(a)])).toEqual(held([k(a)]));
        expect(held([k(a), k(b), k(b)])).toEqual(held([k(a), k(b)]));
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
        const withDupes = [...shuffled];
        for (const i of dupes) if (versions[i]) withDupes.push(versions[i]);
        expect(held(withDupes)).toEqual(held(versions));
        expect(held([...versions].reverse())).toEqual(held(versions));
      }),
    );
  });
});
