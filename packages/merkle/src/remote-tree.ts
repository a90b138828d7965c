import { MerkleError } from './errors.js';
import { toHex } from './hex.js';
import type { MerkleTree, TreePath } from './tree.js';

/** One key of a leaf bucket with the hex digest of the version held for it. */
export interface LeafEntry {
  readonly key: string;
  /** `versionDigest(...)` of the key's version, 32 lower-case hex characters. */
  readonly digest: string;
}

/** What a root query answers: the root hash, the number of keys, and the tree shape id. */
export interface RootReply {
  /** 32 lower-case hex characters. */
  readonly hash: string;
  readonly count: number;
  /** `TreeShape.id`, e.g. `f16d4-m3`. */
  readonly shape: string;
}

/**
 * The port the diff driver walks: one replica's tree, local or over the network
 * (the anti-entropy TCP adapter implements it with HASH, TREE and LEAF).
 */
export interface RemoteTree {
  /** The root hash, key count and shape id. */
  root(): Promise<RootReply>;
  /** The hex hashes of the `fanout` children of the internal node at `path`. */
  children(path: TreePath): Promise<string[]>;
  /** The entries of the leaf bucket at `path` (`path.length === depth`). */
  leaf(path: TreePath): Promise<LeafEntry[]>;
}

/**
 * The local side as a `RemoteTree`, so that the diff driver treats both sides alike.
 * Leaf entries are sorted by key (UTF-16 code unit order).
 * @param digestOf the digest of the version held for a key (the tree stores none).
 * @throws {MerkleError} (from `leaf`) `MISSING_DIGEST` if `digestOf` has no digest for a key the tree holds;
 *   (from `children`/`leaf`) `INVALID_PATH`.
 */
export function localTree(tree: MerkleTree, digestOf: (key: string) => Uint8Array | undefined): RemoteTree {
  return {
    root: () => Promise.resolve({ hash: tree.rootHex(), count: tree.size, shape: tree.shape.id }),
    children: async (path) => tree.childHashes(path).map(toHex),
    leaf: async (path) => {
      const keys = [...tree.leafKeys(path)].sort();
      return keys.map((key) => {
        const digest = digestOf(key);
        if (digest === undefined) {
          throw new MerkleError('MISSING_DIGEST', `No digest for key '${key}', which the tree holds`);
        }
        return { key, digest: toHex(digest) };
      });
    },
  };
}
