import fc from 'fast-check';
import { keyedVersionArb, plain } from './__tests__/arbitraries.js';
import { compareVersions } from './lww.js';
import type { VersionedRecord } from './record.js';
import { Store } from './store.js';

describe('Store.merge against the LWW order', () => {
  // The store compares an incoming version with the columns it holds (record-slab.ts), not with
  // a record object: it must keep exactly the greatest version in compareVersions' order (the LWW
  // definition), and report applied/stale as such.
  it('holds, for every key, the greatest version merged in the LWW order, tombstones and ties included', () => {
    fc.assert(
      fc.property(fc.array(keyedVersionArb, { maxLength: 40 }), (versions) => {
        const store = new Store({ nodeId: 'local' });
        const model = new Map<string, VersionedRecord>();
        for (const [key, v] of versions) {
          const before = model.get(key);
          const wins = before === undefined || compareVersions(v, before) > 0;
          if (wins) model.set(key, v);
          expect(store.merge(key, v)).toBe(wins ? 'applied' : 'stale');
        }
        for (const [key, v] of model) expect(plain(store.getVersion(key))).toEqual(plain(v));
        expect(store.recordCount).toBe(model.size);
        expect(store.size).toBe([...model.values()].filter((v) => !v.deleted).length);
      }),
    );
  });
});
