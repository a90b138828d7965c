import { StorageError, StorageErrorCode } from './errors.js';

/**
 * One version of a key: the unit that is stored, merged, replicated and hashed.
 *
 * `ts` is a hybrid logical clock packed into one safe integer (physical ms × 1024 + logical
 * counter, see `hlc.ts`). A tombstone (a deleted key) has `value: ''` and `deleted: true`.
 */
export interface VersionedRecord {
  readonly value: string;
  readonly ts: number;
  readonly node: string;
  readonly deleted: boolean;
}

/**
 * The store's in-memory representation. One class, fields always assigned in the same order,
 * so that a million records share one V8 hidden class and stay small (8 fields, no dictionary mode).
 *
 * `#d0..#d3` cache the record's version digest under the key the store holds it at (16 bytes as
 * four int32 lanes, little-endian; small integers on 64-bit V8, so no heap number each). The store
 * computes it once, when the record is committed, and reads it back when the record is replaced:
 * an overwrite hashes only the new version. Four fields cost 32 B per record; a Uint8Array per
 * record would cost ~100 B (typed array + buffer objects). They are private fields: in-object like
 * the others, but not enumerable own properties, so a record still looks like
 * `{ value, ts, node, deleted }` to callers (Object.keys, structural equality, serialisers).
 */
export class StoredVersion implements VersionedRecord {
  /** Digest lanes (see above); meaningful only while the store holds the record. */
  #d0 = 0;
  #d1 = 0;
  #d2 = 0;
  #d3 = 0;

  constructor(
    readonly value: string,
    readonly ts: number,
    readonly node: string,
    readonly deleted: boolean,
  ) {}

  /** Caches `digest[0..16)` as this record's digest. */
  setDigest(digest: Uint8Array): void {
    this.#d0 = lane(digest, 0);
    this.#d1 = lane(digest, 4);
    this.#d2 = lane(digest, 8);
    this.#d3 = lane(digest, 12);
  }

  /** Writes the cached digest to `out[0..16)`; returns `out`. */
  digestInto(out: Uint8Array): Uint8Array {
    writeLane(out, 0, this.#d0);
    writeLane(out, 4, this.#d1);
    writeLane(out, 8, this.#d2);
    writeLane(out, 12, this.#d3);
    return out;
  }
}

function lane(b: Uint8Array, at: number): number {
  return (b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16) | ((b[at + 3] as number) << 24);
}

function writeLane(out: Uint8Array, at: number, x: number): void {
  out[at] = x;
  out[at + 1] = x >>> 8;
  out[at + 2] = x >>> 16;
  out[at + 3] = x >>> 24;
}

/** Creates a record (the store's own compact shape). */
export function makeRecord(value: string, ts: number, node: string, deleted = false): VersionedRecord {
  return new StoredVersion(deleted ? '' : value, ts, node, deleted);
}

/** {@link makeRecord} typed as the store's class (package-internal). */
export function makeStored(value: string, ts: number, node: string, deleted: boolean): StoredVersion {
  return new StoredVersion(deleted ? '' : value, ts, node, deleted);
}

/** Creates a tombstone: the version that says "deleted at `ts` by `node`". */
export function tombstone(ts: number, node: string): VersionedRecord {
  return new StoredVersion('', ts, node, true);
}

/** True if `r` is a live (not deleted) record. */
export function isLive(r: VersionedRecord | undefined): r is VersionedRecord {
  return r !== undefined && !r.deleted;
}

/**
 * Checks that `v` is a version some node could have written: a non-negative safe-integer ts,
 * a non-empty node id, and an empty value on a tombstone (the digest covers the value, so a
 * tombstone with a value would hash differently on every replica that normalised it).
 * @throws StorageError INVALID_VERSION
 */
export function assertValidVersion(key: string, v: VersionedRecord): void {
  let problem: string | undefined;
  if (!Number.isSafeInteger(v.ts) || v.ts < 0) problem = `ts ${String(v.ts)} is not a non-negative safe integer`;
  else if (typeof v.node !== 'string' || v.node === '') problem = 'node id is empty';
  else if (typeof v.value !== 'string') problem = 'value is not a string';
  else if (typeof v.deleted !== 'boolean') problem = 'deleted is not a boolean';
  else if (v.deleted && v.value !== '') problem = 'a tombstone carries a value';
  if (problem !== undefined) {
    throw new StorageError(StorageErrorCode.INVALID_VERSION, `invalid version of '${key}': ${problem}`);
  }
}
