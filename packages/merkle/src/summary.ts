/*
 * Subtree queries for the level-synchronous reconciliation (reconcile.ts): the
 * children of a node with their key counts beside their hashes, and the
 * (key, digest) entries or the keys of a whole subtree. Read-only over a
 * MerkleTree's public API; nothing here changes the tree's upkeep.
 *
 * A node at path p (length l) covers the contiguous bucket range
 * [index(p) × fanout^(depth-l), (index(p)+1) × fanout^(depth-l)), so a
 * subtree's keys are its buckets' keys, in bucket order.
 */
import { MerkleError } from './errors.js';
import { toHex } from './hex.js';
import type { MerkleTree, TreePath } from './tree.js';
import type { TreeShape } from './shape.js';
import type { LeafEntry } from './remote-tree.js';

/** One child of a node as the level walk sees it: its key count and its (possibly truncated) hex hash. */
export interface ChildSummary {
  /** Keys (tombstones included) in the child's subtree. */
  readonly count: number;
  /** Lower-case hex; `''` when the subtree is empty (count 0). */
  readonly hash: string;
}

/** Full width of a node hash or version digest, in bytes. */
export const FULL_HASH_BYTES = 16;

/**
 * The bucket range `[first, end)` under the node at `path`.
 * @throws {MerkleError} `INVALID_PATH` for an index out of range or a path deeper than the tree.
 */
export function subtreeBuckets(shape: TreeShape, path: TreePath): [number, number] {
  if (path.length > shape.depth) {
    throw new MerkleError('INVALID_PATH', `Invalid tree path '${path.join('.')}': at most ${shape.depth} indexes here`);
  }
  let index = 0;
  for (const step of path) {
    if (!Number.isInteger(step) || step < 0 || step >= shape.fanout) {
      throw new MerkleError('INVALID_PATH', `Invalid tree path '${path.join('.')}': index ${step} is outside 0..${shape.fanout - 1}`);
    }
    index = index * shape.fanout + step;
  }
  const span = shape.fanout ** (shape.depth - path.length);
  return [index * span, (index + 1) * span];
}

/** The number of keys under `path`. */
export function subtreeCount(tree: MerkleTree, path: TreePath): number {
  const [first, end] = subtreeBuckets(tree.shape, path);
  let n = 0;
  for (let b = first; b < end; b++) n += tree.bucketKeys(b).length;
  return n;
}

/** The keys under `path`, in bucket order (each bucket's keys sorted). */
export function subtreeKeys(tree: MerkleTree, path: TreePath): string[] {
  const [first, end] = subtreeBuckets(tree.shape, path);
  const keys: string[] = [];
  for (let b = first; b < end; b++) {
    const bucket = tree.bucketKeys(b);
    if (bucket.length === 1) keys.push(bucket[0] as string);
    else if (bucket.length > 1) keys.push(...[...bucket].sort());
  }
  return keys;
}

/**
 * The `fanout` children of the internal node at `path`, each with its key count
 * and its hash truncated to `width` bytes (`''` for an empty child).
 * @throws {MerkleError} `INVALID_PATH` unless `path` names an internal node; `INVALID_WIDTH`.
 */
export function childSummaries(tree: MerkleTree, path: TreePath, width: number): ChildSummary[] {
  checkWidth(width);
  const hashes = tree.childHashes(path);
  const { fanout, depth } = tree.shape;
  const [first] = subtreeBuckets(tree.shape, path);
  const span = fanout ** (depth - path.length - 1);
  return hashes.map((h, c) => {
    let count = 0;
    const start = first + c * span;
    for (let b = start; b < start + span; b++) count += tree.bucketKeys(b).length;
    return { count, hash: count === 0 ? '' : toHex(h.subarray(0, width)) };
  });
}

/**
 * The (key, digest) entries under `path`, digests truncated to `width` bytes, in bucket order.
 * @throws {MerkleError} `MISSING_DIGEST` if `digestOf` has no digest for a key the tree holds; `INVALID_PATH`; `INVALID_WIDTH`.
 */
export function subtreeEntries(
  tree: MerkleTree,
  digestOf: (key: string) => Uint8Array | undefined,
  path: TreePath,
  width: number,
): LeafEntry[] {
  checkWidth(width);
  return subtreeKeys(tree, path).map((key) => {
    const digest = digestOf(key);
    if (digest === undefined) throw new MerkleError('MISSING_DIGEST', `No digest for key '${key}', which the tree holds`);
    return { key, digest: toHex(digest.subarray(0, width)) };
  });
}

/**
 * Checks a hash width in bytes (1..16).
 * @throws {MerkleError} `INVALID_WIDTH`.
 */
export function checkWidth(width: number): number {
  if (!Number.isInteger(width) || width < 1 || width > FULL_HASH_BYTES) {
    throw new MerkleError('INVALID_WIDTH', `Invalid hash width ${width}: expected an integer from 1 to ${FULL_HASH_BYTES} bytes`);
  }
  return width;
}

/**
 * The local side of a protocol-2 comparison over `tree` (the same answers a node gives to TREES and ENTRIES).
 * @param digestOf the digest of the version held for a key (the tree stores none).
 */
export function localSummaryTree(
  tree: MerkleTree,
  digestOf: (key: string) => Uint8Array | undefined,
): {
  children(paths: readonly TreePath[], width: number): Promise<ChildSummary[][]>;
  entries(paths: readonly TreePath[], width: number): Promise<LeafEntry[]>;
} {
  return {
    children: async (paths, width) => paths.map((p) => childSummaries(tree, p, width)),
    entries: async (paths, width) => paths.flatMap((p) => subtreeEntries(tree, digestOf, p, width)),
  };
}
