import fc from 'fast-check';
import { makeRecord } from '../record.js';
import type { VersionedRecord } from '../record.js';

/** Versions drawn from small ranges so that equal ts, equal nodes and equal values actually occur. */
export const versionArb: fc.Arbitrary<VersionedRecord> = fc
  .record({
    ts: fc.integer({ min: 0, max: 20 }),
    node: fc.constantFrom('a', 'b', 'c'),
    deleted: fc.boolean(),
    value: fc.constantFrom('', 'x', 'y', 'hello world'),
  })
  .map(({ ts, node, deleted, value }) => makeRecord(value, ts, node, deleted));

/** A (key, version) pair over a handful of keys. */
export const keyedVersionArb: fc.Arbitrary<readonly [string, VersionedRecord]> = fc.tuple(
  fc.constantFrom('k1', 'k2', 'k3', 'user:1', 'user:2'),
  versionArb,
);

/** Plain-object copy, for deep equality regardless of the record's class. */
export function plain(r: VersionedRecord | undefined): object | undefined {
  return r === undefined ? undefined : { value: r.value, ts: r.ts, node: r.node, deleted: r.deleted, expireAt: r.expireAt ?? 0 };
}
