import { StorageError, StorageErrorCode } from './errors.js';

/**
 * One version of a key: the unit that is stored, merged, replicated and hashed.
 *
 * `ts` is a hybrid logical clock packed into one safe integer (physical ms × 1024 + logical
 * counter, see `hlc.ts`). A tombstone (a deleted key) has `value: ''` and `deleted: true`.
 *
 * `expireAt` (DESIGN.md §2) is part of the version: an absolute time in ms after which the value
 * is gone; absent or 0 = no expiry. A live record past it is read as its expiry tombstone
 * ({@link expiredForm}). A tombstone carries an `expireAt` only when it is such an expiry
 * tombstone (the expiry time is kept for tombstone collection; see Store.collectTombstones).
 */
export interface VersionedRecord {
  readonly value: string;
  readonly ts: number;
  readonly node: string;
  readonly deleted: boolean;
  readonly expireAt?: number;
}

/**
 * A version as the store hands it out (reads, change events, engines). The store itself keeps no
 * object per record (see record-slab.ts); it makes one of these per write and per read of a
 * version. One class with its fields always assigned in the same order: one hidden class.
 */
class Version implements VersionedRecord {
  constructor(
    readonly value: string,
    readonly ts: number,
    readonly node: string,
    readonly deleted: boolean,
    readonly expireAt: number,
  ) {}
}

/** Creates a record (a tombstone's value is normalised to ''; `expireAt` 0 = no expiry). */
export function makeRecord(value: string, ts: number, node: string, deleted = false, expireAt = 0): VersionedRecord {
  return new Version(deleted ? '' : value, ts, node, deleted, expireAt);
}

/** Creates a tombstone: the version that says "deleted at `ts` by `node`". */
export function tombstone(ts: number, node: string): VersionedRecord {
  return new Version('', ts, node, true, 0);
}

/**
 * The expiry tombstone of a live record with an expiry: `('', ts, node, deleted, expireAt)`, the
 * same ts and node. Every replica derives the same one from the same record without any message.
 * In the LWW order it sits just above the record itself (same ts and node; a tombstone beats a
 * live value) and below every later write, so it can never hide a write made after the record,
 * and the record, arriving again from anywhere, always loses to it: an expired value is never
 * brought back.
 */
export function expiredForm(r: VersionedRecord): VersionedRecord {
  return new Version('', r.ts, r.node, true, r.expireAt ?? 0);
}

/** True if `r` is a live record whose expiry is at or before `nowMs`. */
export function isExpired(r: VersionedRecord, nowMs: number): boolean {
  const e = r.expireAt ?? 0;
  return !r.deleted && e !== 0 && e <= nowMs;
}

/** True if `r` is a live (not deleted) record. */
export function isLive(r: VersionedRecord | undefined): r is VersionedRecord {
  return r !== undefined && !r.deleted;
}

/**
 * Checks that `v` is a version some node could have written: a non-negative safe-integer ts,
 * a non-empty node id, a non-negative safe-integer expireAt if any, and an empty value on a tombstone (the digest covers the value, so a
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
  else if (v.expireAt !== undefined && (!Number.isSafeInteger(v.expireAt) || v.expireAt < 0)) problem = `expireAt ${String(v.expireAt)} is not a non-negative safe integer`;
  if (problem !== undefined) {
    throw new StorageError(StorageErrorCode.INVALID_VERSION, `invalid version of '${key}': ${problem}`);
  }
}
