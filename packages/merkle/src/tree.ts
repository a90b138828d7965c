/*
 * The Merkle tree: a fixed-shape hash tree over the set of (key, version digest)
 * pairs, whose hashes depend only on that set, never on the order of writes.
 *
 * Shape. `fanout ** depth` leaf buckets (16^4 = 65,536 by default). A key lives
 * in bucket `keyHash32(key) >>> (32 - log2(fanout) * depth)`: the first bits of a
 * hash of the key, so a key's place never depends on the other keys (a sorted,
 * positional tree shifts every leaf right of an insert; this one moves nothing).
 * Bucket b's path from the root is its base-`fanout` digits, most significant
 * first, so the children of a node are contiguous.
 *
 * Hashes. A bucket's hash is the XOR of the 16-byte version digests of its keys:
 * order-independent and self-inverse, so insert, overwrite and removal each
 * update it in O(1) with the digests the caller passes (the tree stores no
 * per-key digest). An internal node's hash is SHA-256 over its children's
 * hashes concatenated, truncated to 16 bytes, except that a node whose
 * children are all zero hashes to zero: an empty subtree — and so an empty
 * tree's root — is 00…0. (A non-empty bucket XORing to zero has odds 2^-128.)
 *
 * Write path. `update` checks presence (insert of a held key, overwrite or removal of a key not
 * held throw); `replace` is the overwrite for a caller that already knows the key is held (the
 * Store), without that check. Measured with tools/src/bench/merkle.ts (2-core shared box, Node
 * 20): tree update alone ~0.13-0.19 µs; 1M-key build from records ~1.0-1.2 s (digest + insert; was ~4.6 s
 * with SHA-256 digests and untagged buckets).
 *
 * Laziness. Each internal level is one Uint8Array of hashes plus one dirty
 * flag per node. A write marks its bucket's ancestors dirty, bottom-up, and
 * stops at the first one already dirty (invariant: a dirty node's ancestors are
 * dirty), so a write costs O(1) at the leaf and at most O(depth) on its path. A
 * read (root, children of a path) first recomputes the dirty nodes below it,
 * children before parents; each is hashed once per read however many writes
 * touched it. Nothing is rebuilt per write or per query; building from n
 * records is n inserts and one root read, O(n + buckets).
 *
 * Memory. Leaf hashes: 16 bytes × buckets (1 MiB by default); internal levels:
 * 16 bytes × (buckets - 1) / (fanout - 1); keys: two array slots per key, a
 * hash tag and the key (a bucket of one key holds the string itself, no array).
 * The tags make the presence checks of insert, overwrite and removal cheap
 * (see TaggedKeys): at 1M keys they took the tree update from ~1 µs to ~0.2 µs.
 *
 * Comparing (diff.ts). Equal roots of equal shapes mean equal sets: one query.
 * Otherwise the driver asks both sides for the children of each differing
 * node, level by level, descends only where child hashes differ, and at a
 * differing bucket compares the (key, digest) entries. One differing key costs
 * root + depth children queries + one leaf query; a subtree whose hash is zero
 * on one side is empty there and is not asked for.
 */
import { hash } from 'node:crypto';
import { MerkleError } from './errors.js';
import { toHex, isZero } from './hex.js';
import { keyHash32 } from './key-hash.js';
import { DIGEST_BYTES } from './version-digest.js';
import { DEFAULT_SHAPE, validateShape } from './shape.js';
import type { TreeShape } from './shape.js';

/** A path into the tree: child indexes from the root (empty = the root). */
export type TreePath = readonly number[];

const H = DIGEST_BYTES;

/** A Merkle tree over (key, version digest) pairs; see the comment at the top of tree.ts. */
export class MerkleTree {
  /** The tree's fixed parameters. */
  readonly shape: TreeShape;
  readonly #bits: number;
  readonly #bucketBits: number;
  /** `#levels[l]` holds the hashes of the `fanout ** l` nodes at depth l; `#levels[depth]` are the buckets. */
  readonly #levels: Uint8Array[];
  /** `#dirty[l][i]` = 1 when node i of internal level l must be recomputed before it is read. */
  readonly #dirty: Uint8Array[];
  /** Per bucket: nothing, one key (the common case below ~1 key per bucket), or a {@link TaggedKeys} list. */
  #keys: Slot[];
  #size = 0;

  /**
   * @param shape the tree parameters, identical on every node. @default DEFAULT_SHAPE
   * @throws {MerkleError} `INVALID_SHAPE` if the shape cannot be built.
   */
  constructor(shape: TreeShape = DEFAULT_SHAPE) {
    this.shape = validateShape(shape);
    this.#bits = Math.log2(shape.fanout);
    this.#bucketBits = this.#bits * shape.depth;
    this.#levels = [];
    this.#dirty = [];
    for (let l = 0; l <= shape.depth; l++) {
      const nodes = 2 ** (this.#bits * l);
      this.#levels.push(new Uint8Array(nodes * H));
      if (l < shape.depth) this.#dirty.push(new Uint8Array(nodes));
    }
    this.#keys = new Array<Slot>(this.bucketCount).fill(undefined);
  }

  /** Number of keys the tree holds. */
  get size(): number {
    return this.#size;
  }

  /** Number of leaf buckets, `fanout ** depth`. */
  get bucketCount(): number {
    return 2 ** this.#bucketBits;
  }

  /** The leaf bucket of `key` (the same on every node with this shape). */
  bucketOf(key: string): number {
    return keyHash32(key) >>> (32 - this.#bucketBits);
  }

  /** The path from the root to bucket `bucket` (`depth` indexes). */
  bucketPath(bucket: number): number[] {
    const path: number[] = [];
    const mask = this.shape.fanout - 1;
    for (let l = this.shape.depth - 1; l >= 0; l--) path.push((bucket >>> (this.#bits * l)) & mask);
    return path;
  }

  /**
   * Records a change of `key`: insert (`oldDigest` null), overwrite (both set),
   * removal (`newDigest` null; also how tombstone collection drops a key).
   * O(bucket size) at the leaf, at most O(depth) dirty marks; no hashing.
   * @param oldDigest the digest of the version the tree holds for `key`, or null if it holds none.
   * @param newDigest the digest of the version that replaces it, or null to remove the key.
   * @throws {MerkleError} `INVALID_DIGEST` (not 16 bytes), `KEY_EXISTS` (insert of a held key),
   *   `KEY_MISSING` (overwrite or removal of a key not held).
   */
  update(key: string, oldDigest: Uint8Array | null, newDigest: Uint8Array | null): void {
    if (oldDigest === null && newDigest === null) return;
    checkDigest(key, oldDigest);
    checkDigest(key, newDigest);
    const h = keyHash32(key);
    const bucket = h >>> (32 - this.#bucketBits);
    if (oldDigest === null) this.#addKey(bucket, key, h & TAG_MASK);
    else if (newDigest === null) this.#removeKey(bucket, key, h & TAG_MASK);
    else if (!this.#holds(bucket, key, h & TAG_MASK)) {
      throw new MerkleError('KEY_MISSING', `Cannot replace key '${key}': the tree does not hold it`);
    }
    const leaves = this.#levels[this.shape.depth] as Uint8Array;
    const base = bucket * H;
    if (oldDigest !== null) xorInto(leaves, base, oldDigest);
    if (newDigest !== null) xorInto(leaves, base, newDigest);
    this.#markDirty(bucket);
  }

  /**
   * An overwrite whose caller already knows that the tree holds `key` under `oldDigest` (the
   * Store does: it holds the record the digest was taken from). The same effect as
   * `update(key, oldDigest, newDigest)` without its presence check, so O(1) whatever the bucket
   * size: the hot path of every write to an existing key. Passing a key the tree does not hold
   * leaves the tree inconsistent (its root no longer matches the data); use {@link update} when
   * in doubt.
   * @throws {MerkleError} `INVALID_DIGEST` if a digest is not 16 bytes.
   */
  replace(key: string, oldDigest: Uint8Array, newDigest: Uint8Array): void {
    checkDigest(key, oldDigest);
    checkDigest(key, newDigest);
    const bucket = keyHash32(key) >>> (32 - this.#bucketBits);
    const leaves = this.#levels[this.shape.depth] as Uint8Array;
    const base = bucket * H;
    for (let i = 0; i < H; i++) leaves[base + i] = (leaves[base + i] as number) ^ (oldDigest[i] as number) ^ (newDigest[i] as number);
    this.#markDirty(bucket);
  }

  /** Removes every key: the tree is empty again (root 00…0). */
  clear(): void {
    for (const level of this.#levels) level.fill(0);
    for (const flags of this.#dirty) flags.fill(0);
    this.#keys = new Array<Slot>(this.bucketCount).fill(undefined);
    this.#size = 0;
  }

  /** The root hash (16 bytes, a copy); all zero for an empty tree. */
  rootHash(): Uint8Array {
    this.#clean(0, 0);
    return (this.#levels[0] as Uint8Array).slice(0, H);
  }

  /** The root hash as 32 lower-case hex characters. */
  rootHex(): string {
    return toHex(this.rootHash());
  }

  /**
   * The hash of the node at `path` (a copy): the root for `[]`, a bucket for a path of length `depth`.
   * @throws {MerkleError} `INVALID_PATH`.
   */
  nodeHash(path: TreePath): Uint8Array {
    const index = this.#nodeIndex(path, this.shape.depth);
    this.#clean(path.length, index);
    return (this.#levels[path.length] as Uint8Array).slice(index * H, index * H + H);
  }

  /**
   * The `fanout` hashes of the children of the internal node at `path` (copies).
   * @throws {MerkleError} `INVALID_PATH` unless `path.length < depth` and every index is in `[0, fanout)`.
   */
  childHashes(path: TreePath): Uint8Array[] {
    const index = this.#nodeIndex(path, this.shape.depth - 1);
    const { fanout } = this.shape;
    const level = path.length + 1;
    const first = index * fanout;
    const hashes = this.#levels[level] as Uint8Array;
    const out: Uint8Array[] = [];
    for (let c = first; c < first + fanout; c++) {
      this.#clean(level, c);
      out.push(hashes.slice(c * H, c * H + H));
    }
    return out;
  }

  /**
   * The keys in the leaf bucket at `path` (a copy, in no particular order).
   * @throws {MerkleError} `INVALID_PATH` unless `path.length === depth` and every index is in `[0, fanout)`.
   */
  leafKeys(path: TreePath): readonly string[] {
    if (path.length !== this.shape.depth) {
      throw new MerkleError('INVALID_PATH', `Invalid leaf path '${path.join('.')}': a leaf path has ${this.shape.depth} indexes`);
    }
    return this.bucketKeys(this.#nodeIndex(path, this.shape.depth));
  }

  /** The keys in bucket number `bucket` (a copy; empty for an unknown bucket). */
  bucketKeys(bucket: number): readonly string[] {
    const slot = this.#keys[bucket];
    if (slot === undefined) return [];
    if (typeof slot === 'string') return [slot];
    const keys: string[] = [];
    for (let i = 1; i < slot.length; i += 2) keys.push(slot[i] as string);
    return keys;
  }

  #holds(bucket: number, key: string, tag: number): boolean {
    const slot = this.#keys[bucket];
    return slot === key || (typeof slot === 'object' && indexOfKey(slot, key, tag) >= 0);
  }

  #addKey(bucket: number, key: string, tag: number): void {
    const slot = this.#keys[bucket];
    if (slot === key || (typeof slot === 'object' && indexOfKey(slot, key, tag) >= 0)) {
      throw new MerkleError('KEY_EXISTS', `Cannot insert key '${key}': the tree already holds it`);
    }
    if (slot === undefined) this.#keys[bucket] = key;
    else if (typeof slot === 'string') this.#keys[bucket] = [keyHash32(slot) & TAG_MASK, slot, tag, key];
    else slot.push(tag, key);
    this.#size++;
  }

  /** Swap-remove: O(bucket size), order within a bucket is irrelevant. */
  #removeKey(bucket: number, key: string, tag: number): void {
    const slot = this.#keys[bucket];
    const at = slot === key ? 0 : typeof slot === 'object' ? indexOfKey(slot, key, tag) : -1;
    if (at < 0) throw new MerkleError('KEY_MISSING', `Cannot remove key '${key}': the tree does not hold it`);
    if (typeof slot === 'object') {
      const lastKey = slot.pop() as string;
      const lastTag = slot.pop() as number;
      if (at < slot.length) {
        slot[at] = lastTag;
        slot[at + 1] = lastKey;
      }
      if (slot.length === 2) this.#keys[bucket] = slot[1] as string;
    } else {
      this.#keys[bucket] = undefined;
    }
    this.#size--;
  }

  /** Index of the node at `path` within its level, after checking the path. */
  #nodeIndex(path: TreePath, maxLength: number): number {
    const { fanout } = this.shape;
    if (path.length > maxLength) {
      throw new MerkleError('INVALID_PATH', `Invalid tree path '${path.join('.')}': at most ${maxLength} indexes here`);
    }
    let index = 0;
    for (const step of path) {
      if (!Number.isInteger(step) || step < 0 || step >= fanout) {
        throw new MerkleError('INVALID_PATH', `Invalid tree path '${path.join('.')}': index ${step} is outside 0..${fanout - 1}`);
      }
      index = index * fanout + step;
    }
    return index;
  }

  /** Marks the ancestors of `bucket` dirty, bottom-up, up to the first one already dirty. */
  #markDirty(bucket: number): void {
    for (let l = this.shape.depth - 1; l >= 0; l--) {
      const flags = this.#dirty[l] as Uint8Array;
      const index = bucket >>> (this.#bits * (this.shape.depth - l));
      if (flags[index] === 1) return;
      flags[index] = 1;
    }
  }

  /** Recomputes node `index` of level `level` and its dirty descendants, children first. */
  #clean(level: number, index: number): void {
    if (level >= this.shape.depth) return;
    const flags = this.#dirty[level] as Uint8Array;
    if (flags[index] !== 1) return;
    const { fanout } = this.shape;
    const first = index * fanout;
    for (let c = first; c < first + fanout; c++) this.#clean(level + 1, c);
    const children = (this.#levels[level + 1] as Uint8Array).subarray(first * H, (first + fanout) * H);
    const out = this.#levels[level] as Uint8Array;
    if (isZero(children)) out.fill(0, index * H, index * H + H);
    else out.set(hash('sha256', children, 'buffer').subarray(0, H), index * H);
    flags[index] = 0;
  }
}

/**
 * A bucket of two keys or more: `[tag0, key0, tag1, key1, ...]`, where a tag is the low 30 bits
 * of the key's `keyHash32` (always a small integer, never a heap number). A presence check
 * compares tags, contiguous in memory, and reads a key string only when its tag matches: with
 * ~15 keys per bucket at 1M keys, comparing the strings themselves cost a cache miss each.
 */
type TaggedKeys = (number | string)[];
type Slot = string | TaggedKeys | undefined;
const TAG_MASK = 0x3fff_ffff;

/** The index of `key`'s tag in `list`, or -1. */
function indexOfKey(list: TaggedKeys, key: string, tag: number): number {
  for (let i = 0; i < list.length; i += 2) if (list[i] === tag && list[i + 1] === key) return i;
  return -1;
}

/** `target[offset..offset+16) ^= digest`. */
function xorInto(target: Uint8Array, offset: number, digest: Uint8Array): void {
  for (let i = 0; i < H; i++) target[offset + i] = (target[offset + i] as number) ^ (digest[i] as number);
}

function checkDigest(key: string, digest: Uint8Array | null): void {
  if (digest !== null && digest.length !== H) {
    throw new MerkleError('INVALID_DIGEST', `Invalid digest for key '${key}': ${digest.length} bytes, expected ${H}`);
  }
}
