import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ScanIndex } from './scan-index.js';

/** A model store: a Map of key → value, undefined = tombstone. */
function setup(): { map: Map<string, string | undefined>; index: ScanIndex } {
  const map = new Map<string, string | undefined>();
  const index = new ScanIndex(
    (k) => map.has(k),
    () => map.keys(),
  );
  return { map, index };
}

const op = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), key: fc.string({ maxLength: 3 }), live: fc.boolean() }),
  fc.record({ kind: fc.constant('remove' as const), key: fc.string({ maxLength: 3 }) }),
  fc.record({ kind: fc.constant('scan' as const), prefix: fc.string({ maxLength: 2 }), count: fc.integer({ min: 1, max: 5 }) }),
);

describe('ScanIndex', () => {
  it('pages through exactly the live keys with the prefix, sorted, under interleaved changes', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const { map, index } = setup();
        for (const o of ops) {
          if (o.kind === 'put') {
            if (!map.has(o.key)) index.keyAdded(o.key);
            map.set(o.key, o.live ? `v${o.key}` : undefined);
          } else if (o.kind === 'remove') {
            if (map.delete(o.key)) index.keyRemoved();
          } else {
            const expected = [...map]
              .filter(([k, v]) => v !== undefined && k.startsWith(o.prefix))
              .map(([k]) => k)
              .sort();
            const seen: string[] = [];
            let cursor: string | undefined;
            for (let page = 0; page <= expected.length; page++) {
              const res = index.page(o.prefix, cursor, o.count, (k) => map.get(k));
              expect(res.entries.length).toBeLessThanOrEqual(o.count);
              seen.push(...res.entries.map(([k]) => k));
              cursor = res.cursor;
              if (cursor === undefined) break;
              expect(cursor).toBe(res.entries[res.entries.length - 1]?.[0]);
            }
            expect(cursor).toBeUndefined();
            expect(seen).toEqual(expected);
          }
        }
      }),
    );
  });

  it('starts after a cursor that is not a key, and before the prefix when the cursor sorts lower', () => {
    const { map, index } = setup();
    for (const k of ['a1', 'b1', 'b2', 'b3', 'c1']) {
      map.set(k, k);
      index.keyAdded(k);
    }
    const valueOf = (k: string): string | undefined => map.get(k);
    expect(index.page('b', 'b15', 10, valueOf).entries.map(([k]) => k)).toEqual(['b2', 'b3']);
    expect(index.page('b', 'a', 10, valueOf).entries.map(([k]) => k)).toEqual(['b1', 'b2', 'b3']);
    expect(index.page('b', 'c', 10, valueOf)).toEqual({ entries: [], cursor: undefined });
    expect(index.page('', undefined, 2, valueOf)).toEqual({ entries: [['a1', 'a1'], ['b1', 'b1']], cursor: 'b1' });
  });

  it('does not re-sort when nothing was added or removed', () => {
    const { map, index } = setup();
    for (let i = 0; i < 100; i++) {
      map.set(`k${i}`, 'v');
      index.keyAdded(`k${i}`);
    }
    const first = index.keys();
    expect(index.keys()).toBe(first);
    map.set('new', 'v');
    index.keyAdded('new');
    const second = index.keys();
    expect(second).not.toBe(first);
    expect(second).toContain('new');
    expect(index.keys()).toBe(second);
  });

  it('rebuilds from the store after too many unread additions', () => {
    const { map, index } = setup();
    for (let i = 0; i < 3000; i++) {
      map.set(`k${i}`, 'v');
      index.keyAdded(`k${i}`);
    }
    expect(index.keys()).toEqual([...map.keys()].sort());
  });
});
