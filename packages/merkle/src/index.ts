export { MerkleError, MerkleErrorCode } from './errors.js';
export { DEFAULT_SHAPE, MAX_BUCKET_BITS, makeShape, parseShapeId, validateShape } from './shape.js';
export type { TreeShape } from './shape.js';
export { DIGEST_BYTES, versionDigest, versionDigestInto } from './version-digest.js';
export { keyHash32 } from './key-hash.js';
export { MerkleTree } from './tree.js';
export type { TreePath } from './tree.js';
export { localTree } from './remote-tree.js';
export type { LeafEntry, RemoteTree, RootReply } from './remote-tree.js';
export { diff } from './diff.js';
export type { DiffOptions, DiffResult } from './diff.js';
export { toHex } from './hex.js';
export {
  checkWidth,
  childSummaries,
  FULL_HASH_BYTES,
  localSummaryTree,
  subtreeBuckets,
  subtreeCount,
  subtreeEntries,
  subtreeKeys,
} from './summary.js';
export type { ChildSummary } from './summary.js';
export { reconcile } from './reconcile.js';
export type { ReconcileOptions, ReconcileResult, RecordPath, SummaryTree } from './reconcile.js';
export { byteLengthOf, bytesToString, holdsEscapedBytes, stringToBytes } from './bytes.js';
