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
  ) {}
}

/** Creates a record (a tombstone's value is normalised to ''). */
export function makeRecord(value: string, ts: number, node: string, deleted = false): VersionedRecord {
  return new Version(deleted ? '' : value, ts, node, deleted);
}

/** Creates a tombstone: the version that says "deleted at `ts` by `node`". */
export function tombstone(ts: number, node: string): VersionedRecord {
  return new Version('', ts, node, true);
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
