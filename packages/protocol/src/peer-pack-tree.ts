/**
 * Peer protocol 3 over a Merkle tree: the PTREES reply of a node (and of an
 * in-process peer) and its reading back into the ChildSummary lists the
 * level walk compares (peer-pack.ts holds the byte format).
 */
import { childSummaries, toHex } from '@merklekv/merkle';
import type { ChildSummary, MerkleTree, TreeShape } from '@merklekv/merkle';
import type { TreePath } from './command.js';
import { fromBase64Url, packChildren, toBase64Url, unpackChildren } from './peer-pack.js';

/** Whether the children of the node at `path` carry counts on the wire: all but the buckets (children of level depth - 1). */
export function countsOnWire(path: TreePath, shape: TreeShape): boolean {
  return path.length < shape.depth - 1;
}

/** The PTREES reply line (without its line ending) for the internal nodes at `paths`. */
export function packTreeChildren(tree: MerkleTree, paths: readonly TreePath[], width: number): string {
  const out: number[] = [];
  for (const path of paths) {
    const hashes = tree.childHashes(path);
    const children = childSummaries(tree, path, 1).map((c, i) => ({ count: c.count, hash: hashes[i] as Uint8Array }));
    packChildren(out, children, width, countsOnWire(path, tree.shape));
  }
  return toBase64Url(Uint8Array.from(out));
}

/**
 * Reads a PTREES reply line for `paths` into children with hex hashes; a bucket (no count on the wire) has count 1 when non-empty.
 * @throws ProtocolError `INVALID_ARGUMENT` when the line does not hold exactly those nodes.
 */
export function unpackTreeChildren(blob: string, paths: readonly TreePath[], shape: TreeShape, width: number): ChildSummary[][] {
  const nodes = unpackChildren(
    fromBase64Url(blob, 'PTREES reply'),
    paths.map((p) => countsOnWire(p, shape)),
    shape.fanout,
    width,
  );
  return nodes.map((children) => children.map((c) => ({ count: c.count, hash: c.count === 0 ? '' : toHex(c.hash) })));
}

/** A PENTRIES reply line `key digest` (digest in base64url) from a hex digest. */
export function formatPackedEntry(key: string, digestHex: string): string {
  return `${key} ${Buffer.from(digestHex, 'hex').toString('base64url')}`;
}
