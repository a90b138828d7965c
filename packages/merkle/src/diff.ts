import { Buffer } from 'node:buffer';
import { MerkleError } from './errors.js';
import { parseShapeId } from './shape.js';
import type { LeafEntry, RemoteTree, RootReply } from './remote-tree.js';
import type { TreePath } from './tree.js';

/** Options of {@link diff}. */
export interface DiffOptions {
  /** Remote queries in flight at once while a level is walked. @default 16 */
  readonly concurrency?: number;
}

/** What {@link diff} found and what it cost. */
export interface DiffResult {
  /** Keys present on one side only or held in different versions, sorted. */
  readonly keys: string[];
  /** Calls made to `remote` (root, children, leaf). */
  readonly queries: number;
  /** Estimated bytes exchanged with `remote` in the text protocol (requests and replies: HASH, TREE, LEAF). */
  readonly bytes: number;
  /** Sequential batches of remote queries, i.e. round trips when a batch is pipelined. */
  readonly rounds: number;
}

interface Frontier {
  readonly path: TreePath;
  /** The local (remote) hash of this node is zero: that side's subtree is empty, no need to ask. */
  readonly localEmpty: boolean;
  readonly remoteEmpty: boolean;
}

const ZERO_HEX = /^0+$/;
const CRLF = 2;

/**
 * Finds the keys whose versions differ between two replicas by walking both
 * trees from the root, descending only into children whose hashes differ, and
 * comparing the entries of differing leaves. Identical replicas cost one remote
 * query. A subtree whose remote hash is zero is empty there, so it is walked on
 * the local side only, without asking the remote.
 * @throws {MerkleError} `SHAPE_MISMATCH` if the two root replies name different shapes;
 *   `INVALID_SHAPE` if the shape id is unknown; `INVALID_REPLY` if a side answers
 *   a children query with a number of hashes other than `fanout`.
 */
export async function diff(local: RemoteTree, remote: RemoteTree, options: DiffOptions = {}): Promise<DiffResult> {
  const concurrency = Math.max(1, options.concurrency ?? 16);
  let queries = 1;
  let rounds = 1;
  const [mine, theirs] = await Promise.all([local.root(), remote.root()]);
  let bytes = 'HASH\r\n'.length + rootReplyBytes(theirs);
  if (mine.shape !== theirs.shape) {
    throw new MerkleError('SHAPE_MISMATCH', `Tree shape mismatch: local '${mine.shape}', remote '${theirs.shape}'`);
  }
  const shape = parseShapeId(mine.shape);
  if (mine.hash === theirs.hash) return { keys: [], queries, bytes, rounds };

  let frontier: Frontier[] = [{ path: [], localEmpty: ZERO_HEX.test(mine.hash), remoteEmpty: ZERO_HEX.test(theirs.hash) }];
  const zeros = new Array<string>(shape.fanout).fill('0'.repeat(mine.hash.length));

  const children = async (side: RemoteTree, node: Frontier, empty: boolean, name: string): Promise<string[]> => {
    if (empty) return zeros;
    const hashes = await side.children(node.path);
    if (hashes.length !== shape.fanout) {
      throw new MerkleError(
        'INVALID_REPLY',
        `Invalid children reply from ${name} for path '${formatPath(node.path)}': ${hashes.length} hashes, expected ${shape.fanout}`,
      );
    }
    return hashes;
  };

  for (let level = 0; level < shape.depth; level++) {
    const next: Frontier[] = [];
    for (let start = 0; start < frontier.length; start += concurrency) {
      const batch = frontier.slice(start, start + concurrency);
      const asked = batch.filter((n) => !n.remoteEmpty).length;
      if (asked > 0) rounds++;
      queries += asked;
      const replies = await Promise.all(
        batch.map((n) => Promise.all([children(local, n, n.localEmpty, 'local'), children(remote, n, n.remoteEmpty, 'remote')])),
      );
      batch.forEach((node, j) => {
        const [l, r] = replies[j] as [string[], string[]];
        if (!node.remoteEmpty) bytes += `TREE ${formatPath(node.path)}\r\n`.length + lineBytes(r);
        for (let i = 0; i < shape.fanout; i++) {
          const lh = l[i] as string;
          const rh = r[i] as string;
          if (lh !== rh) next.push({ path: [...node.path, i], localEmpty: ZERO_HEX.test(lh), remoteEmpty: ZERO_HEX.test(rh) });
        }
      });
    }
    frontier = next;
  }

  const keys: string[] = [];
  for (let start = 0; start < frontier.length; start += concurrency) {
    const batch = frontier.slice(start, start + concurrency);
    const asked = batch.filter((n) => !n.remoteEmpty).length;
    if (asked > 0) rounds++;
    queries += asked;
    const replies = await Promise.all(
      batch.map((n) =>
        Promise.all([n.localEmpty ? [] : local.leaf(n.path), n.remoteEmpty ? [] : remote.leaf(n.path)] as const),
      ),
    );
    batch.forEach((node, j) => {
      const [l, r] = replies[j] as readonly [LeafEntry[], LeafEntry[]];
      if (!node.remoteEmpty) bytes += `LEAF ${formatPath(node.path)}\r\n`.length + leafReplyBytes(r);
      keys.push(...differingKeys(l, r));
    });
  }
  keys.sort();
  return { keys, queries, bytes, rounds };
}

/** Keys in one list only, or with different digests. */
function differingKeys(local: readonly LeafEntry[], remote: readonly LeafEntry[]): string[] {
  const theirs = new Map<string, string>();
  for (const e of remote) theirs.set(e.key, e.digest);
  const out: string[] = [];
  for (const e of local) {
    const digest = theirs.get(e.key);
    if (digest !== e.digest) out.push(e.key);
    theirs.delete(e.key);
  }
  out.push(...theirs.keys());
  return out;
}

function formatPath(path: TreePath): string {
  return path.length === 0 ? '-' : path.join('.');
}

function rootReplyBytes(r: RootReply): number {
  return `${r.hash} ${r.count} ${r.shape}`.length + CRLF;
}

function lineBytes(hashes: readonly string[]): number {
  return hashes.reduce((sum, h) => sum + h.length + 1, 0) - 1 + CRLF;
}

function leafReplyBytes(entries: readonly LeafEntry[]): number {
  let n = 'END'.length + CRLF;
  for (const e of entries) n += Buffer.byteLength(e.key, 'utf8') + 1 + e.digest.length + CRLF;
  return n;
}
