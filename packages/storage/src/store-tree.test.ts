import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { MerkleTree, diff, toHex, versionDigest } from '@merklekv/merkle';
import { keyedVersionArb, plain } from './__tests__/arbitraries.js';
import { makeStore, rebuiltRoot } from './__tests__/fixtures.js';
import { packTs } from './hlc.js';
import { makeRecord } from './record.js';

const ZERO_ROOT = '0'.repeat(32);

const op = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key: fc.constantFrom('a', 'b', 'c', 'd'), value: fc.string({ maxLength: 4 }) }),
  fc.record({ kind: fc.constant('del' as const), key: fc.constantFrom('a', 'b', 'c', 'd') }),
  fc.record({ kind: fc.constant('incr' as const), key: fc.constantFrom('a', 'n'), by: fc.bigInt({ min: -5n, max: 5n }) }),
  fc.record({ kind: fc.constant('append' as const), key: fc.constantFrom('a', 'b'), value: fc.string({ maxLength: 3 }) }),
  fc.record({ kind: fc.constant('mset' as const), keys: fc.array(fc.constantFrom('a', 'e', 'f'), { maxLength: 3 }) }),
  fc.record({ kind: fc.constant('merge' as const), kv: keyedVersionArb }),
  fc.record({ kind: fc.constant('flush' as const) }),
  fc.record({ kind: fc.constant('gc' as const), before: fc.integer({ min: 0, max: 30 }) }),
  fc.record({ kind: fc.constant('tick' as const) }),
);

describe('Store and its Merkle tree', () => {
  it('starts with the all-zero root', () => {
    expect(makeStore().store.tree.rootHex()).toBe(ZERO_ROOT);
  });

  it('keeps the tree equal to one rebuilt from the records, through every kind of change', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const { store, wall } = makeStore({ ms: 0 });
        for (const o of ops) {
          try {
            if (o.kind === 'set') store.set(o.key, o.value);
            else if (o.kind === 'del') store.delete(o.key);
            else if (o.kind === 'incr') store.incrBy(o.key, o.by);
            else if (o.kind === 'append') store.append(o.key, o.value);
            else if (o.kind === 'mset') store.mset(o.keys.map((k) => [k, 'm']));
            else if (o.kind === 'merge') store.merge(o.kv[0], o.kv[1]);
            else if (o.kind === 'flush') store.flush();
            else if (o.kind === 'gc') store.collectTombstones(o.before);
            else wall.ms++;
          } catch (e) {
            // incr on a non-integer value: a typed error, nothing changed (checked by the root below).
            expect((e as { code?: string }).code).toBe('NOT_AN_INTEGER');
          }
          expect(store.tree.rootHex()).toBe(rebuiltRoot(store));
          expect(store.tree.size).toBe(store.recordCount);
          expect(store.size).toBe([...store.versions()].filter(([, r]) => !r.deleted).length);
        }
      }),
    );
  });

  it('changes the root on flush, to the root of the tombstones', () => {
    const { store } = makeStore();
    for (let i = 0; i < 50; i++) store.set(`k${i}`, `v${i}`);
    const before = store.tree.rootHex();
    expect(store.flush()).toBe(50);
    expect(store.tree.rootHex()).not.toBe(before);
    expect(store.tree.rootHex()).not.toBe(ZERO_ROOT);
    expect(store.tree.rootHex()).toBe(rebuiltRoot(store));
  });

  it('gives back the earlier root when tombstones are collected', () => {
    const { store, wall } = makeStore();
    for (let i = 0; i < 20; i++) store.set(`keep${i}`, 'v');
    const rootBefore = store.tree.rootHex();
    store.set('gone', 'v');
    store.delete('gone');
    wall.ms += 1000;
    store.set('young', 'v');
    store.delete('young');
    const rootWithBoth = store.tree.rootHex();
    // Only tombstones strictly older than the ts go.
    expect(store.collectTombstones(store.getVersion('gone')?.ts ?? 0)).toBe(0);
    expect(store.collectTombstones(packTs(wall.ms))).toBe(1);
    expect(store.getVersion('gone')).toBeUndefined();
    expect(store.getVersion('young')?.deleted).toBe(true);
    expect(store.tree.rootHex()).not.toBe(rootWithBoth);
    expect(store.tree.rootHex()).toBe(rebuiltRoot(store));
    expect(store.collectTombstones(Number.MAX_SAFE_INTEGER)).toBe(1);
    expect(store.tree.rootHex()).toBe(rootBefore);
    expect(store.recordCount).toBe(20);
    expect(store.collectTombstones(Number.MAX_SAFE_INTEGER)).toBe(0);
  });

  it('exposes leaf entries and digests that match the tree', async () => {
    const { store } = makeStore();
    for (let i = 0; i < 300; i++) store.set(`k${i}`, `v${i}`);
    store.delete('k7');
    const tree = store.tree;
    const bucket = tree.bucketOf('k7');
    const path: number[] = [];
    for (let l = tree.shape.depth - 1, b = bucket; l >= 0; l--) {
      path[l] = b % tree.shape.fanout;
      b = Math.floor(b / tree.shape.fanout);
    }
    const entries = store.leafEntries(path);
    expect(entries.map((e) => e.key)).toEqual([...tree.leafKeys(path)].sort());
    const k7 = entries.find((e) => e.key === 'k7');
    expect(k7?.digest).toBe(Buffer.from(store.digestOf('k7') ?? []).toString('hex'));
    expect(await store.remoteTree().leaf(path)).toEqual(entries);
    expect(await store.remoteTree().root()).toEqual({ hash: tree.rootHex(), count: 300, shape: tree.shape.id });
    expect(store.digestOf('missing')).toBeUndefined();
  });

  it('gives replicas that merged the same versions in any order the same root, and diff finds nothing', async () => {
    const scenario = fc
      .array(keyedVersionArb, { maxLength: 25 })
      .chain((vs) => fc.tuple(fc.constant(vs), fc.shuffledSubarray(vs, { minLength: vs.length }), fc.shuffledSubarray(vs)));
    await fc.assert(
      fc.asyncProperty(scenario, async ([versions, shuffled, dupes]) => {
        const a = makeStore({ nodeId: 'A' }).store;
        const b = makeStore({ nodeId: 'B' }).store;
        for (const [k, v] of versions) a.merge(k, v);
        for (const [k, v] of [...shuffled, ...dupes]) b.merge(k, v);
        expect(b.tree.rootHex()).toBe(a.tree.rootHex());
        for (const [k] of versions) expect(plain(b.getVersion(k))).toEqual(plain(a.getVersion(k)));
        expect((await diff(a.remoteTree(), b.remoteTree())).keys).toEqual([]);
      }),
      { numRuns: 50 },
    );
  });

  it('locates a divergent key with diff', async () => {
    const a = makeStore({ nodeId: 'A' }).store;
    const b = makeStore({ nodeId: 'B' }).store;
    for (let i = 0; i < 200; i++) {
      const v = makeRecord(`v${i}`, packTs(1000 + i), 'A');
      a.merge(`k${i}`, v);
      b.merge(`k${i}`, v);
    }
    b.set('k42', 'changed');
    expect((await diff(a.remoteTree(), b.remoteTree())).keys).toEqual(['k42']);
    expect(new MerkleTree().rootHex()).toBe(ZERO_ROOT);
  });

  it('serves each record\'s own digest (cached at commit) through digestOf and leafEntries', () => {
    const { store, wall } = makeStore({ ms: 0 });
    for (let i = 0; i < 50; i++) {
      store.set(`k${i % 7}`, `v${i}`);
      if (i % 5 === 0) store.delete(`k${i % 3}`);
      store.merge(`m${i % 4}`, { value: `r${i}`, ts: packTs(i + 100), node: 'n2', deleted: false });
      wall.ms++;
    }
    for (const [key, r] of store.versions()) {
      const expected = toHex(versionDigest(key, r.value, r.ts, r.node, r.deleted));
      expect(toHex(store.digestOf(key) as Uint8Array)).toBe(expected);
      const path = store.tree.bucketPath(store.tree.bucketOf(key));
      expect(store.leafEntries(path).find((e) => e.key === key)?.digest).toBe(expected);
    }
    expect(store.digestOf('absent')).toBeUndefined();
  });
});
