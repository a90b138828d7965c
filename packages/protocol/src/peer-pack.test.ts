import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { makeShape, MerkleTree, toHex } from '@merklekv/merkle';
import type { TreePath } from './command.js';
import { encodeCommand } from './encode-command.js';
import { parseCommandLine } from './parse-command.js';
import {
  decodePathSet,
  encodePathSet,
  fromBase64Url,
  fromPathSets,
  packChildren,
  toBase64Url,
  toPathSets,
  unpackChildren,
} from './peer-pack.js';
import type { PackedChild, PathSet } from './peer-pack.js';
import { packTreeChildren, unpackTreeChildren } from './peer-pack-tree.js';

const FANOUTS = [2, 4, 8, 16, 32] as const;

/** A node's children: empty (count 0) or a count and a hash of at least `width` bytes. */
const childrenArb = (fanout: number, width: number, withCounts: boolean) =>
  fc.array(
    fc.oneof(
      fc.constant<PackedChild>({ count: 0, hash: new Uint8Array(0) }),
      fc.record<PackedChild>({
        count: withCounts ? fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }) : fc.constant(1),
        hash: fc.uint8Array({ minLength: width, maxLength: 16 }),
      }),
    ),
    { minLength: fanout, maxLength: fanout },
  );

describe('peer protocol 3 packed forms', () => {
  it('reads back any nodes it packs: bitmap, counts where sent, hashes truncated to the width (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...FANOUTS),
        fc.integer({ min: 1, max: 16 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }),
        fc.context(),
        (fanout, width, counted, ctx) => {
          const nodes = counted.map((withCounts) => fc.sample(childrenArb(fanout, width, withCounts), 1)[0] as PackedChild[]);
          const out: number[] = [];
          nodes.forEach((children, i) => packChildren(out, children, width, counted[i] as boolean));
          const line = toBase64Url(Uint8Array.from(out));
          ctx.log(line);
          expect(line).toMatch(/^[A-Za-z0-9_-]+$/);
          const back = unpackChildren(fromBase64Url(line, 'test'), counted, fanout, width);
          expect(back).toEqual(
            nodes.map((children) => children.map((c) => (c.count === 0 ? { count: 0, hash: new Uint8Array(0) } : { count: c.count, hash: c.hash.slice(0, width) }))),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads back any path set, and any list of paths through path sets, in order (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...FANOUTS),
        fc.integer({ min: 0, max: 4 }),
        fc.array(fc.array(fc.nat(31), { maxLength: 4 }), { minLength: 1, maxLength: 60 }),
        (fanout, level, raw) => {
          const paths: TreePath[] = raw.map((p) => p.map((i) => i % fanout));
          const sets = toPathSets(paths, fanout);
          const wire = sets.map(encodePathSet);
          expect(fromPathSets(wire.map((t) => decodePathSet(t, 'test')), fanout)).toEqual(paths.map((p) => [...p]));
          const indexes = [...new Set(raw.map((p) => p.reduce((n, i) => n * fanout + (i % fanout), 0) % fanout ** level))].sort((x, y) => x - y);
          const set: PathSet = { level, indexes };
          expect(decodePathSet(encodePathSet(set), 'test')).toEqual(set);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('PTREES and PENTRIES parse what they encode', () => {
    const sets: PathSet[] = [
      { level: 0, indexes: [0] },
      { level: 2, indexes: [0, 1, 200, 255] },
    ];
    for (const type of ['PTREES', 'PENTRIES'] as const) {
      const line = encodeCommand({ type, width: 3, sets }).slice(0, -2);
      expect(line).toBe(`${type} 3 0:AA 2:AADGATY`);
      expect(parseCommandLine(line)).toEqual({ type, width: 3, sets });
    }
  });

  it('refuses malformed packed input with a message naming it', () => {
    expect(() => decodePathSet('2:', 'PTREES path set')).toThrow("PTREES path set names no node, got '2:'");
    expect(() => decodePathSet('x:AA', 'PTREES path set')).toThrow('PTREES path set must be level:base64url');
    expect(() => decodePathSet('2:A+', 'PTREES path set')).toThrow('PTREES path set must be base64url without padding');
    expect(() => decodePathSet('1:gA', 'PTREES path set')).toThrow('truncated or oversized varint');
    expect(() => encodePathSet({ level: 1, indexes: [3, 3] })).toThrow('strictly increasing');
    expect(() => parseCommandLine('PTREES 3')).toThrow('Missing arguments: PTREES needs a hash width in bytes and at least one path set');
    expect(() => parseCommandLine('PENTRIES 17 0:AA')).toThrow('PENTRIES width must be an integer from 1 to 16');
    // One node of fanout 16 with child 0 non-empty: bitmap, count, then a 3-byte hash that is cut short.
    expect(() => unpackChildren(Uint8Array.from([1, 0, 5, 1, 2]), [true], 16, 3)).toThrow('the reply ends inside a hash');
    expect(() => unpackChildren(Uint8Array.from([0, 0, 9]), [true], 16, 3)).toThrow('1 bytes left over after 1 nodes');
    expect(() => unpackChildren(Uint8Array.from([0x10]), [true], 4, 3)).toThrow('bit 4 set beyond the fanout 4');
    expect(() => unpackChildren(Uint8Array.from([1, 0, 0]), [true], 16, 3)).toThrow('a child marked non-empty has count 0');
  });

  it('carries a tree: the packed children of any nodes read back as the tree holds them, counts left out just above the buckets (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { maxLength: 300 }), fc.integer({ min: 1, max: 16 }), (keys, width) => {
        const shape = makeShape(4, 3);
        const tree = new MerkleTree(shape);
        keys.forEach((k, i) => tree.update(k, null, Uint8Array.from({ length: 16 }, (_, j) => (i * 31 + j * 7 + 1) & 0xff)));
        const paths: TreePath[] = [[], [1], [3], [0, 2], [3, 3]];
        const back = unpackTreeChildren(packTreeChildren(tree, paths, width), paths, shape, width);
        paths.forEach((path, n) => {
          const hashes = tree.childHashes(path);
          expect(back[n]).toHaveLength(shape.fanout);
          back[n]?.forEach((child, c) => {
            const count = countUnder(tree, [...path, c]);
            const wire = path.length < shape.depth - 1 ? count : Math.min(count, 1);
            expect(child).toEqual({ count: wire, hash: count === 0 ? '' : toHex((hashes[c] as Uint8Array).subarray(0, width)) });
          });
        });
      }),
      { numRuns: 60 },
    );
  });
});

function countUnder(tree: MerkleTree, path: TreePath): number {
  const { fanout, depth } = tree.shape;
  let index = 0;
  for (const step of path) index = index * fanout + step;
  const span = fanout ** (depth - path.length);
  let n = 0;
  for (let b = index * span; b < (index + 1) * span; b++) n += tree.bucketKeys(b).length;
  return n;
}
