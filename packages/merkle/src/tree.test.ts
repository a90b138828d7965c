import fc from 'fast-check';
import { MerkleTree } from './tree.js';
import { DEFAULT_SHAPE, makeShape } from './shape.js';
import { toHex } from './hex.js';
import { Replica, codeOf, digestOfVersion, keyName } from './__tests__/replica.js';
import type { Version } from './__tests__/replica.js';

const SMALL = makeShape(4, 3);
const ZERO = '0'.repeat(32);

const keyArb = fc.oneof(fc.string({ minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 500 }).map(keyName));
const versionArb: fc.Arbitrary<Version> = fc.record({
  value: fc.string({ maxLength: 6 }),
  ts: fc.integer({ min: 1, max: 50 }),
  node: fc.constantFrom('n1', 'n2', 'n3'),
  deleted: fc.boolean(),
});
const writesArb = fc.array(fc.tuple(keyArb, versionArb), { maxLength: 120 });

/** A tree built from scratch from the final records: the reference for the incremental one. */
function rebuilt(replica: Replica): MerkleTree {
  const tree = new MerkleTree(replica.tree.shape);
  for (const [key, v] of replica.records) tree.update(key, null, digestOfVersion(key, v));
  return tree;
}

describe('MerkleTree', () => {
  it('starts empty with a zero root', () => {
    const tree = new MerkleTree();
    expect(tree.shape).toBe(DEFAULT_SHAPE);
    expect(tree.size).toBe(0);
    expect(tree.bucketCount).toBe(65_536);
    expect(tree.rootHex()).toBe(ZERO);
    expect(tree.childHashes([]).map(toHex)).toEqual(new Array(16).fill(ZERO));
  });

  it.each([SMALL, DEFAULT_SHAPE])('gives the same root for the same versions applied in two random orders (%o)', (shape) => {
    fc.assert(
      fc.property(
        writesArb.chain((writes) => fc.tuple(fc.constant(writes), fc.shuffledSubarray(writes, { minLength: writes.length }))),
        fc.array(fc.nat(120), { maxLength: 10 }),
        ([order1, order2], readsAt) => {
          const a = new Replica(shape);
          const b = new Replica(shape);
          order1.forEach(([k, v], i) => {
            a.merge(k, v);
            // Reads in between leave some nodes clean and some dirty: the lazy path must not care.
            if (readsAt.includes(i)) a.tree.rootHash();
          });
          for (const [k, v] of order2) b.merge(k, v);
          expect(b.records).toEqual(a.records);
          expect(a.tree.rootHex()).toBe(b.tree.rootHex());
          expect(a.tree.rootHex()).toBe(rebuilt(a).rootHex());
          expect(a.tree.size).toBe(a.records.size);
          expect(a.tree.rootHex() === ZERO).toBe(a.records.size === 0);
        },
      ),
      { numRuns: shape === SMALL ? 200 : 40 },
    );
  });

  it('returns to the earlier root when a key is written, overwritten, tombstoned and collected', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(keyArb, { maxLength: 80 }),
        keyArb,
        fc.array(versionArb, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (base, extra, versions, readBetween) => {
          const replica = new Replica(SMALL);
          for (const k of base) if (k !== extra) replica.put(k, { value: k, ts: 1, node: 'n1', deleted: false });
          const before = replica.tree.rootHex();
          const sizeBefore = replica.tree.size;
          for (const v of versions) {
            replica.put(extra, v);
            if (readBetween) replica.tree.rootHash();
          }
          replica.put(extra, { value: '', ts: 99, node: 'n1', deleted: true });
          expect(replica.tree.rootHex()).not.toBe(before);
          replica.remove(extra);
          expect(replica.tree.rootHex()).toBe(before);
          expect(replica.tree.size).toBe(sizeBefore);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('answers consistent paths: a key is in the leaf of its bucket path, hashes chain up to the root', () => {
    const replica = new Replica(SMALL);
    for (let i = 0; i < 300; i++) replica.put(keyName(i), { value: `v${i}`, ts: i + 1, node: 'n1', deleted: false });
    const tree = replica.tree;
    for (let i = 0; i < 300; i += 7) {
      const key = keyName(i);
      const path = tree.bucketPath(tree.bucketOf(key));
      expect(path).toHaveLength(SMALL.depth);
      expect(tree.leafKeys(path)).toContain(key);
      // The leaf hash is the XOR of its keys' digests.
      const xor = new Uint8Array(16);
      for (const k of tree.leafKeys(path)) {
        digestOfVersion(k, replica.records.get(k) as Version).forEach((byte, j) => (xor[j] = (xor[j] as number) ^ byte));
      }
      expect(toHex(tree.nodeHash(path))).toBe(toHex(xor));
      // Each level's node hash appears among its parent's children.
      for (let l = SMALL.depth; l > 0; l--) {
        const parent = path.slice(0, l - 1);
        expect(toHex(tree.childHashes(parent)[path[l - 1] as number] as Uint8Array)).toBe(toHex(tree.nodeHash(path.slice(0, l))));
      }
    }
    expect(toHex(tree.nodeHash([]))).toBe(tree.rootHex());
    const all = new Set<string>();
    for (let b = 0; b < tree.bucketCount; b++) for (const k of tree.leafKeys(tree.bucketPath(b))) all.add(k);
    expect(all).toEqual(new Set(replica.records.keys()));
  });

  it('keeps the keys of each bucket exactly, through inserts and removals in crowded buckets', () => {
    const tiny = makeShape(2, 1);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 12 })), { maxLength: 150 }), (ops) => {
        const replica = new Replica(tiny);
        for (const [add, i] of ops) {
          if (add) replica.put(keyName(i), { value: `${i}`, ts: 1, node: 'n', deleted: false });
          else replica.remove(keyName(i));
        }
        const held = [...replica.tree.leafKeys([0]), ...replica.tree.leafKeys([1])].sort();
        expect(held).toEqual([...replica.records.keys()].sort());
        expect(replica.tree.size).toBe(replica.records.size);
        expect(replica.tree.rootHex()).toBe(rebuilt(replica).rootHex());
      }),
      { numRuns: 200 },
    );
  });

  it('clear() empties the tree', () => {
    const replica = new Replica(SMALL);
    for (let i = 0; i < 50; i++) replica.put(keyName(i), { value: 'v', ts: 1, node: 'n', deleted: false });
    replica.tree.clear();
    expect(replica.tree.size).toBe(0);
    expect(replica.tree.rootHex()).toBe(ZERO);
    expect(replica.tree.leafKeys(replica.tree.bucketPath(replica.tree.bucketOf(keyName(3))))).toEqual([]);
    replica.tree.update('k', null, new Uint8Array(16).fill(1));
    expect(replica.tree.size).toBe(1);
  });

  it('rejects inconsistent updates and bad paths with typed errors', () => {
    const tree = new MerkleTree(SMALL);
    const d = new Uint8Array(16).fill(7);
    tree.update('a', null, d);
    expect(codeOf(() => tree.update('a', null, d))).toBe('KEY_EXISTS');
    expect(codeOf(() => tree.update('b', d, d))).toBe('KEY_MISSING');
    expect(codeOf(() => tree.update('b', d, null))).toBe('KEY_MISSING');
    expect(codeOf(() => tree.update('c', null, new Uint8Array(15)))).toBe('INVALID_DIGEST');
    expect(codeOf(() => tree.childHashes([0, 0, 0]))).toBe('INVALID_PATH');
    expect(codeOf(() => tree.childHashes([4]))).toBe('INVALID_PATH');
    expect(codeOf(() => tree.leafKeys([0, 0]))).toBe('INVALID_PATH');
    expect(codeOf(() => tree.leafKeys([0, -1, 0]))).toBe('INVALID_PATH');
    expect(codeOf(() => new MerkleTree({ fanout: 3, depth: 2, id: 'f3d2-m3' }))).toBe('INVALID_SHAPE');
    tree.update('a', null, null);
    expect(tree.size).toBe(1);
  });

  it('replace (no presence check) has the effect of update on a held key', () => {
    fc.assert(
      fc.property(writesArb, writesArb, (first, second) => {
        const checked = new Replica(SMALL);
        for (const [key, v] of first) checked.put(key, v);
        const trusted = new MerkleTree(SMALL);
        for (const [key, v] of checked.records) trusted.update(key, null, digestOfVersion(key, v));
        for (const [key, v] of second) {
          const old = checked.records.get(key);
          if (old === undefined) trusted.update(key, null, digestOfVersion(key, v));
          else trusted.replace(key, digestOfVersion(key, old), digestOfVersion(key, v));
          checked.put(key, v);
        }
        expect(trusted.rootHex()).toBe(checked.tree.rootHex());
        expect(trusted.rootHex()).toBe(rebuilt(checked).rootHex());
        expect(trusted.size).toBe(checked.records.size);
      }),
      { numRuns: 100 },
    );
    const tree = new MerkleTree(SMALL);
    expect(codeOf(() => tree.replace('a', new Uint8Array(16), new Uint8Array(17)))).toBe('INVALID_DIGEST');
  });

  it('finds keys among many in one bucket (tagged presence checks)', () => {
    const tree = new MerkleTree(makeShape(2, 1));
    const keys = Array.from({ length: 300 }, (_, i) => keyName(i));
    const d = new Uint8Array(16).fill(3);
    for (const key of keys) tree.update(key, null, d);
    for (const key of keys) expect(codeOf(() => tree.update(key, null, d))).toBe('KEY_EXISTS');
    expect(codeOf(() => tree.update('absent', d, d))).toBe('KEY_MISSING');
    for (const key of keys.slice(0, 150)) tree.update(key, d, null);
    const left = [...tree.leafKeys([0]), ...tree.leafKeys([1])].sort();
    expect(left).toEqual(keys.slice(150).sort());
    expect(tree.size).toBe(150);
    for (const key of keys.slice(150)) tree.update(key, d, null);
    expect(tree.size).toBe(0);
    expect(tree.rootHex()).toBe(ZERO);
  });
});
