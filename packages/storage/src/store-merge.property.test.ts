import fc from 'fast-check';
import { keyedVersionArb, plain } from './__tests__/arbitraries.js';
import { compareVersions, mergeVersion } from './lww.js';
import type { VersionedRecord } from './record.js';
import { Store } from './store.js';

describe('Store.merge against the LWW order', () => {
  // The store compares an incoming version with the columns it holds (record-slab.ts), not with
  // a record object: it must pick exactly what mergeVersion picks, and report applied/stale as such.
  it('holds, for every key, the mergeVersion of everything merged, tombstones and ties included', () => {
    fc.assert(
      fc.property(fc.array(keyedVersionArb, { maxLength: 40 }), (versions) => {
        const store = new Store({ nodeId: 'local' });
        const model = new Map<string, VersionedRecord>();
        for (const [key, v] of versions) {
          const before = model.get(key);
          model.set(key, mergeVersion(before, v));
          expect(store.merge(key, v)).toBe(before === undefined || compareVersions(v, before) > 0 ? 'applied' : 'stale');
        }
        for (const [key, v] of model) expect(plain(store.getVersion(key))).toEqual(plain(v));
        expect(store.recordCount).toBe(model.size);
        expect(store.size).toBe([...model.values()].filter((v) => !v.deleted).length);
      }),
    );
  });
});
