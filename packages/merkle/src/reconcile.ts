/*
 * The level-synchronous comparison (peer protocol 2; diff.ts is protocol 1).
 *
 * Round by round, every node of the frontier is settled in ONE batch of
 * requests to the remote side (the transport pipelines it), so the number of
 * round trips is bounded by the tree depth, not by the number of differences:
 *
 * - a node empty on one side (count 0) is not walked: its subtree is
 *   exchanged whole as records (`recordPaths`);
 * - a node whose remote count is at most `smallThreshold`, and every bucket,
 *   is answered with its (key, digest) entries, which name the differing keys;
 * - every other node is asked for its children: counts beside hashes, the
 *   hashes truncated to `width` bytes. A child differs when its count or its
 *   truncated hash differs; a bucket when its emptiness or its truncated hash
 *   does (peer protocol 3 sends no bucket counts: a non-empty one reads as 1).
 *
 * Far behind: when the local side is empty or holds at most a quarter of the
 * remote count, or when a level of at least `bulkMinNodes` non-empty children
 * differs in at least `bulkFraction` of them, the walk stops and the whole
 * frontier is exchanged as records (bulk catch-up).
 *
 * Rounds: children of levels 0..depth-1 (at most `depth`) + one round of
 * entries for the buckets = at most depth + 1, on top of the caller's root
 * round. Truncated hashes can collide: a differing node may look equal. The
 * caller confirms with the full-width roots at the end and runs a full-width
 * pass when they still differ (docs/BENCHMARKS.md gives the arithmetic).
 */
import { MerkleError } from './errors.js';
import { parseShapeId } from './shape.js';
import { checkWidth, FULL_HASH_BYTES } from './summary.js';
import type { ChildSummary } from './summary.js';
import type { LeafEntry, RootReply } from './remote-tree.js';
import type { TreePath } from './tree.js';

/** One side of a protocol-2 comparison: batched subtree queries. */
export interface SummaryTree {
  /** Per path (internal nodes), its `fanout` children with counts and hashes truncated to `width` bytes. */
  children(paths: readonly TreePath[], width: number): Promise<ChildSummary[][]>;
  /** The (key, digest) entries under every path, digests truncated to `width` bytes. */
  entries(paths: readonly TreePath[], width: number): Promise<LeafEntry[]>;
}

/** A subtree to exchange whole, with both sides' key counts. */
export interface RecordPath {
  readonly path: TreePath;
  readonly localCount: number;
  readonly remoteCount: number;
}

/** Options of {@link reconcile}. */
export interface ReconcileOptions {
  /** Bytes of each child hash and entry digest asked of the remote side (1..16). @default 3 (docs/BENCHMARKS.md: the collision arithmetic) */
  readonly width?: number;
  /** A node with at most this many keys on the remote side is answered with entries. @default 16 */
  readonly smallThreshold?: number;
  /**
   * A level switches to bulk when this share of its non-empty children differ... @default 0.75
   * Above 1, bulk is never chosen (not for an empty or far-behind side either): the tree path only.
   */
  readonly bulkFraction?: number;
  /** ...and it compared at least this many non-empty children. @default 1024 */
  readonly bulkMinNodes?: number;
  /** Skip the walk: exchange the whole tree as records (tests and benchmarks compare both paths). @default false */
  readonly forceBulk?: boolean;
}

/** What {@link reconcile} found and what it cost. */
export interface ReconcileResult {
  /** Keys named by differing entries (one side only, or different digests), sorted. */
  readonly keys: string[];
  /** Subtrees to exchange as records: one-sided ones, or the bulk frontier. */
  readonly recordPaths: RecordPath[];
  /** Batches sent to the remote side (round trips), not counting the root. */
  readonly rounds: number;
  /** `bulk` when the walk stopped early to stream records; `tree` otherwise. */
  readonly mode: 'tree' | 'bulk';
  /** Truncated-hash and digest comparisons that found equality: the chances for a collision to hide a difference. */
  readonly equalComparisons: number;
  /** The width used. */
  readonly width: number;
}

interface Node {
  readonly path: TreePath;
  readonly localCount: number;
  readonly remoteCount: number;
}

/**
 * Compares two replicas whose root replies differ, level by level; see the comment at the top of reconcile.ts.
 * @throws {MerkleError} `SHAPE_MISMATCH`, `INVALID_SHAPE`, `INVALID_WIDTH`, or `INVALID_REPLY` when a side
 *   answers with the wrong number of nodes or children.
 */
export async function reconcile(
  local: SummaryTree,
  remote: SummaryTree,
  roots: { readonly local: RootReply; readonly remote: RootReply },
  options: ReconcileOptions = {},
): Promise<ReconcileResult> {
  const width = checkWidth(options.width ?? 3);
  const threshold = options.smallThreshold ?? 16;
  const bulkFraction = options.bulkFraction ?? 0.75;
  const bulkMinNodes = options.bulkMinNodes ?? 1024;
  const noBulk = options.bulkFraction !== undefined && options.bulkFraction > 1;
  if (roots.local.shape !== roots.remote.shape) {
    throw new MerkleError('SHAPE_MISMATCH', `Tree shape mismatch: local '${roots.local.shape}', remote '${roots.remote.shape}'`);
  }
  const shape = parseShapeId(roots.local.shape);
  const root: Node = { path: [], localCount: roots.local.count, remoteCount: roots.remote.count };
  const keys: string[] = [];
  const recordPaths: RecordPath[] = [];
  let rounds = 0;
  let equalComparisons = 0;
  const result = (mode: 'tree' | 'bulk'): ReconcileResult => ({
    keys: keys.sort(),
    recordPaths,
    rounds,
    mode,
    equalComparisons,
    width,
  });

  if (roots.local.hash === roots.remote.hash) return result('tree');
  if (options.forceBulk === true || (!noBulk && (root.localCount === 0 || root.localCount * 4 <= root.remoteCount))) {
    recordPaths.push(root);
    return result('bulk');
  }

  let frontier: Node[] = [root];
  while (frontier.length > 0) {
    const descend: Node[] = [];
    const leaves: Node[] = [];
    for (const node of frontier) {
      if (node.localCount === 0 || node.remoteCount === 0) recordPaths.push(node);
      else if (node.path.length === shape.depth || node.remoteCount <= threshold) leaves.push(node);
      else descend.push(node);
    }
    if (descend.length === 0 && leaves.length === 0) break;
    rounds += 1;
    const descendPaths = descend.map((n) => n.path);
    const leafPaths = leaves.map((n) => n.path);
    const [mine, theirs, myEntries, theirEntries] = await Promise.all([
      descend.length > 0 ? local.children(descendPaths, FULL_HASH_BYTES) : [],
      descend.length > 0 ? remote.children(descendPaths, width) : [],
      leaves.length > 0 ? local.entries(leafPaths, FULL_HASH_BYTES) : [],
      leaves.length > 0 ? remote.entries(leafPaths, width) : [],
    ]);
    const entryCompare = differingEntries(myEntries, theirEntries, width);
    keys.push(...entryCompare.keys);
    equalComparisons += entryCompare.equal;

    const next: Node[] = [];
    let nonEmpty = 0;
    checkCount('local', mine.length, descend.length);
    checkCount('remote', theirs.length, descend.length);
    descend.forEach((node, i) => {
      const l = mine[i] as ChildSummary[];
      const r = theirs[i] as ChildSummary[];
      checkChildren('local', node.path, l.length, shape.fanout);
      checkChildren('remote', node.path, r.length, shape.fanout);
      // Buckets are compared by emptiness and hash only: peer protocol 3 sends no bucket counts
      // (a non-empty bucket's count reads as 1), and a bucket's hash covers its keys anyway.
      const buckets = node.path.length === shape.depth - 1;
      for (let c = 0; c < shape.fanout; c++) {
        const lc = l[c] as ChildSummary;
        const rc = r[c] as ChildSummary;
        if (lc.count === 0 && rc.count === 0) continue;
        nonEmpty += 1;
        const countsDiffer = buckets ? (lc.count === 0) !== (rc.count === 0) : lc.count !== rc.count;
        if (countsDiffer || lc.hash.slice(0, 2 * width) !== rc.hash) {
          next.push({ path: [...node.path, c], localCount: lc.count, remoteCount: rc.count });
        } else {
          equalComparisons += 1;
        }
      }
    });
    if (nonEmpty >= bulkMinNodes && next.length >= bulkFraction * nonEmpty) {
      recordPaths.push(...next);
      return result('bulk');
    }
    frontier = next;
  }
  return result('tree');
}

/** Keys in one list only, or whose digests differ in their first `width` bytes; and how many compared equal. */
function differingEntries(
  local: readonly LeafEntry[],
  remote: readonly LeafEntry[],
  width: number,
): { keys: string[]; equal: number } {
  const theirs = new Map<string, string>();
  for (const e of remote) theirs.set(e.key, e.digest);
  const keys: string[] = [];
  let equal = 0;
  for (const e of local) {
    const digest = theirs.get(e.key);
    if (digest === undefined || digest !== e.digest.slice(0, 2 * width)) keys.push(e.key);
    else equal += 1;
    theirs.delete(e.key);
  }
  keys.push(...theirs.keys());
  return { keys, equal };
}

function checkCount(side: string, got: number, want: number): void {
  if (got !== want) {
    throw new MerkleError('INVALID_REPLY', `Invalid children reply from ${side}: ${got} nodes for ${want} paths`);
  }
}

function checkChildren(side: string, path: TreePath, got: number, fanout: number): void {
  if (got !== fanout) {
    throw new MerkleError(
      'INVALID_REPLY',
      `Invalid children reply from ${side} for path '${path.length === 0 ? '-' : path.join('.')}': ${got} children, expected ${fanout}`,
    );
  }
}
