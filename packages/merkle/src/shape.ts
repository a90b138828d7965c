import { MerkleError } from './errors.js';

/**
 * The fixed parameters of a tree, agreed by every node of a cluster. Two trees
 * can be compared only if their shapes are equal; `id` travels in the root
 * reply so that a mismatch is detected instead of misread.
 */
export interface TreeShape {
  /** Children per internal node; a power of two. */
  readonly fanout: number;
  /** Levels below the root; the tree has `fanout ** depth` leaf buckets. */
  readonly depth: number;
  /**
   * `f{fanout}d{depth}-m3`, e.g. `f16d4-m3`. The suffix names the hashing: `m3` = MurmurHash3_x86_128
   * version digests (version-digest.ts), FNV-1a+fmix32 key placement (key-hash.ts), SHA-256/128
   * internal node hashes (tree.ts). It was `-sha256` while version digests were SHA-256; trees of
   * the two schemes hold different hashes for the same data, so they must never be compared.
   */
  readonly id: string;
}

/** The largest number of leaf buckets a tree may have (2^24; 256 MiB of leaf hashes). */
export const MAX_BUCKET_BITS = 24;

/** The shape every MerkleKV node uses: fanout 16, depth 4, 65,536 leaf buckets. */
export const DEFAULT_SHAPE: TreeShape = Object.freeze({ fanout: 16, depth: 4, id: 'f16d4-m3' });

/** The hashing suffix of every shape id this code computes (see {@link TreeShape.id}). */
const HASH_SUFFIX = 'm3';
const SHAPE_ID = /^f(\d{1,4})d(\d{1,3})-m3$/;

/**
 * Builds (and validates) the shape with the given fanout and depth.
 * @throws {MerkleError} `INVALID_SHAPE` if fanout is not a power of two ≥ 2, depth < 1,
 *   or the tree would have more than 2^24 leaves.
 */
export function makeShape(fanout: number, depth: number): TreeShape {
  return validateShape({ fanout, depth, id: `f${fanout}d${depth}-${HASH_SUFFIX}` });
}

/**
 * Parses a shape id as sent in a root reply (`f16d4-m3`).
 * @throws {MerkleError} `INVALID_SHAPE` if the id is malformed or names an impossible shape.
 */
export function parseShapeId(id: string): TreeShape {
  const m = SHAPE_ID.exec(id);
  if (!m) throw new MerkleError('INVALID_SHAPE', `Invalid tree shape id '${id}': expected f<fanout>d<depth>-${HASH_SUFFIX}`);
  return makeShape(Number(m[1]), Number(m[2]));
}

/**
 * Checks that a shape is buildable and that its id matches its parameters.
 * @returns the shape itself.
 * @throws {MerkleError} `INVALID_SHAPE`.
 */
export function validateShape(shape: TreeShape): TreeShape {
  const { fanout, depth, id } = shape;
  const bits = Math.log2(fanout);
  if (!Number.isInteger(fanout) || fanout < 2 || !Number.isInteger(bits)) {
    throw new MerkleError('INVALID_SHAPE', `Invalid tree fanout ${fanout}: must be a power of two ≥ 2`);
  }
  if (!Number.isInteger(depth) || depth < 1 || bits * depth > MAX_BUCKET_BITS) {
    throw new MerkleError(
      'INVALID_SHAPE',
      `Invalid tree depth ${depth} for fanout ${fanout}: need depth ≥ 1 and fanout^depth ≤ 2^${MAX_BUCKET_BITS}`,
    );
  }
  const expected = `f${fanout}d${depth}-${HASH_SUFFIX}`;
  if (id !== expected) {
    throw new MerkleError('INVALID_SHAPE', `Invalid tree shape id '${id}': fanout ${fanout} and depth ${depth} need '${expected}'`);
  }
  return shape;
}
