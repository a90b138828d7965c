/**
 * Last-writer-wins ordering of versions (DESIGN.md §2).
 *
 * The one merge is `Store.merge`, which keeps the incoming version when it compares greater.
 *
 * Versions are totally ordered by `(ts, node, deleted, value, expireAt)`: the higher ts wins; equal
 * ts are broken by the node id, then a tombstone beats a live value, then the larger value wins,
 * then the later expireAt (0 = none counts lowest). Because
 * the order is total, merging is taking a maximum, which is commutative, associative and
 * idempotent: replicas that have seen the same set of versions hold the same state in any order.
 * (Two different versions with the same `(ts, node)` can only arise from a bug or a hand-made PUTV;
 * the tie-breakers still make every replica pick the same one.)
 */
import type { VersionedRecord } from './record.js';

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares two versions in the LWW total order: negative if `a` loses to `b`, 0 if equal, positive if `a` wins. */
export function compareVersions(a: VersionedRecord, b: VersionedRecord): number {
  if (a.ts !== b.ts) return a.ts < b.ts ? -1 : 1;
  const byNode = compareStrings(a.node, b.node);
  if (byNode !== 0) return byNode;
  if (a.deleted !== b.deleted) return a.deleted ? 1 : -1;
  const byValue = compareStrings(a.value, b.value);
  if (byValue !== 0) return byValue;
  const ea = a.expireAt ?? 0;
  const eb = b.expireAt ?? 0;
  return ea === eb ? 0 : ea < eb ? -1 : 1;
}
