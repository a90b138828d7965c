/**
 * The store's records, column by column: a record is a slot number, and its fields live in one
 * array each (the store maps a key to its slot). No object per record, so a million records are
 * a few flat arrays the garbage collector never walks, instead of a million long-lived objects
 * with a boxed ts each.
 *
 * Per slot (Node 20 x64, no pointer compression):
 *   value   8 B  (block number and length, value-arena.ts; the value's bytes, rounded up to its
 *                 size class, live off the heap)
 *   node    4 B  (Uint32Array: the node id's number in the store's NodeTable, node-table.ts)
 *   ts      8 B  (Float64Array: the packed HLC, a safe integer, exact in a double)
 *   flags   1 B  (Uint8Array: bit 0 = tombstone)
 *   expireAt 8 B (Float64Array: absolute ms, 0 = no expiry; part of the version)
 *   digest 16 B  (Int32Array, 4 lanes: the version digest the Merkle tree holds for the record,
 *                 kept so that an overwrite hashes only the new version)
 * = 45 B, all in typed arrays outside the JavaScript heap, plus the value's bytes (32 for a
 * 32-byte value), against ~120 B for the record object, its heap-number ts and its cached digest,
 * and 56 B for a value string and its pointer, before.
 *
 * Expiry (DESIGN.md §2) is the `expireAt` column: a read of a key without one costs one
 * comparison with 0; the store's ExpiryHeap orders the slots that have one.
 *
 * Freed slots (a key removed by tombstone collection) are reused before the arrays grow.
 */
import { DIGEST_BYTES } from '@merklekv/merkle';
import { ValueArena } from './value-arena.js';

/** Flag bit: the slot holds a tombstone. */
export const DELETED = 1;

const INITIAL_CAPACITY = 1024;

/** Column storage for records; see the comment at the top of this file. */
export class RecordSlab {
  /** The values, off the heap (value-arena.ts). */
  readonly values = new ValueArena(INITIAL_CAPACITY);
  /** Node id numbers (node-table.ts). */
  nodes = new Uint32Array(INITIAL_CAPACITY);
  ts = new Float64Array(INITIAL_CAPACITY);
  flags = new Uint8Array(INITIAL_CAPACITY);
  /**
   * Absolute expiry in ms, 0 = none. Read it directly; write it with {@link setExpireAt}, which
   * leaves zeros unwritten: a typed array's pages are not resident until written, so with no key
   * ever given an expiry this column (8 B per record) costs no memory at all.
   */
  expireAt = new Float64Array(INITIAL_CAPACITY);
  /** Some slot has had a non-zero expireAt (else the column is all zeros, and untouched). */
  private expiryWritten = false;
  /** Four int32 lanes per slot, little-endian bytes of the 16-byte digest. */
  digests = new Int32Array(INITIAL_CAPACITY * 4);
  private capacity = INITIAL_CAPACITY;
  private next = 0;
  private readonly free: number[] = [];

  /** A slot for a new record (its fields are then set by the caller). */
  allocate(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    if (this.next === this.capacity) this.grow();
    const slot = this.next++;
    return slot;
  }

  /** Gives `slot` back (its value's space is freed; the caller has released its node number). */
  release(slot: number): void {
    this.values.clear(slot);
    this.nodes[slot] = 0;
    this.flags[slot] = 0;
    this.setExpireAt(slot, 0);
    this.free.push(slot);
  }

  /** Sets the expiry of `slot` (see {@link expireAt}). */
  setExpireAt(slot: number, expireAt: number): void {
    if (expireAt === 0 && this.expireAt[slot] === 0) return;
    this.expireAt[slot] = expireAt;
    this.expiryWritten = true;
  }

  /** Stores `digest[0..16)` as the digest of `slot`. */
  setDigest(slot: number, digest: Uint8Array): void {
    const d = this.digests;
    const at = slot * 4;
    d[at] = lane(digest, 0);
    d[at + 1] = lane(digest, 4);
    d[at + 2] = lane(digest, 8);
    d[at + 3] = lane(digest, 12);
  }

  /** Writes the digest of `slot` to `out[0..16)`; returns `out`. */
  digestInto(slot: number, out: Uint8Array): Uint8Array {
    const d = this.digests;
    const at = slot * 4;
    writeLane(out, 0, d[at] as number);
    writeLane(out, 4, d[at + 1] as number);
    writeLane(out, 8, d[at + 2] as number);
    writeLane(out, 12, d[at + 3] as number);
    return out;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const ts = new Float64Array(capacity);
    ts.set(this.ts);
    const nodes = new Uint32Array(capacity);
    nodes.set(this.nodes);
    const flags = new Uint8Array(capacity);
    flags.set(this.flags);
    const expireAt = new Float64Array(capacity);
    if (this.expiryWritten) expireAt.set(this.expireAt);
    const digests = new Int32Array(capacity * 4);
    digests.set(this.digests);
    this.values.grow(capacity);
    this.ts = ts;
    this.nodes = nodes;
    this.flags = flags;
    this.expireAt = expireAt;
    this.digests = digests;
    this.capacity = capacity;
  }
}

if (DIGEST_BYTES !== 16) throw new Error('RecordSlab keeps 16-byte digests');

function lane(b: Uint8Array, at: number): number {
  return (b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16) | ((b[at + 3] as number) << 24);
}

function writeLane(out: Uint8Array, at: number, x: number): void {
  out[at] = x;
  out[at + 1] = x >>> 8;
  out[at + 2] = x >>> 16;
  out[at + 3] = x >>> 24;
}
