/**
 * One anti-entropy session with one peer over peer protocol 1 (HASH, TREE,
 * LEAF, GETV, PUTV): what session.ts falls back to with a peer that does not
 * speak protocol 2, and what every session did before it.
 *
 * 1. Compare. `diff` (from @merklekv/merkle) walks both trees through the
 *    RemoteTree port: the root hashes first (one round trip when the replicas
 *    agree), then only the children that differ, down to the differing leaf
 *    buckets, whose (key, digest) entries name the differing keys. While it
 *    runs we record the local digest of every key we were shown.
 * 2. Confirm. Like Riak's tictac exchange, a difference is confirmed before
 *    it is repaired: for the differing keys we read the peer's current
 *    versions (GETV, in batches) and, right after the reply and with no await
 *    in between, the local ones. A key whose local digest changed since the
 *    comparison (a write or an MQTT update landed meanwhile) is skipped this
 *    round; a key whose two versions are now equal needs nothing.
 * 3. Repair, writing only the stale side through the LWW merge: when the
 *    peer's version wins (or the key is missing locally) it is merged locally
 *    (pull); when the local version wins (or the peer lacks the key) it is
 *    sent with PUTV (push). Tombstones travel like values, so a delete beats
 *    an older value and is never resurrected. The peer merges what it gets
 *    through LWW as well, so a version it received after our GETV is never
 *    overwritten by an older one.
 *
 * Without concurrent writes both roots are equal afterwards.
 */
import { diff, toHex } from '@merklekv/merkle';
import type { LeafEntry, RemoteTree, TreePath } from '@merklekv/merkle';
import { compareVersions } from '@merklekv/storage';
import type { Store, VersionedRecord } from '@merklekv/storage';
import { AntiEntropyError } from './errors.js';
import type { Peer, SyncReport } from './peer.js';
import type { SessionOptions } from './session-options.js';

/** The part of a Store a protocol-1 session reads and writes. */
export type LegacySessionStore = Pick<Store, 'remoteTree' | 'getVersion' | 'merge' | 'digestOf'>;

const DEFAULT_BATCH = 1000;

/**
 * Runs one session: compares the local store with `peer`, confirms each
 * difference and repairs the stale side. Does not close `peer`.
 *
 * @throws AntiEntropyError `ABORTED` when `opts.signal` fires; any error of the
 *   peer (connection, protocol) or of the tree comparison (`SHAPE_MISMATCH`)
 *   is passed on unchanged.
 */
export async function runLegacySession(store: LegacySessionStore, peer: Peer, opts: SessionOptions = {}): Promise<SyncReport> {
  const now = opts.now ?? (() => performance.now());
  const readBatch = positive(opts.readBatch ?? DEFAULT_BATCH, 'readBatch');
  const writeBatch = positive(opts.writeBatch ?? DEFAULT_BATCH, 'writeBatch');
  const started = now();
  const bytesBefore = peer.bytes();
  const checkAbort = (): void => {
    if (opts.signal?.aborted === true) throw new AntiEntropyError('ABORTED', 'Anti-entropy session aborted');
  };

  checkAbort();
  const seen = new Map<string, string>();
  const local = recordingTree(store.remoteTree(), seen);
  const remote = countingTree(peer);
  const { keys, rounds: treeRounds } = await diff(local, remote.tree);
  checkAbort();
  let roundTrips = treeRounds;

  // The baseline of a key: the digest the comparison saw, or, for a key in a
  // bucket the comparison never read locally, the digest right after it.
  const baseline = new Map<string, string | undefined>();
  for (const key of keys) baseline.set(key, seen.has(key) ? seen.get(key) : digestHex(store, key));

  let rounds = remote.queries();
  let pulled = 0;
  let pushed = 0;
  let skipped = 0;
  let converged = 0;
  for (let i = 0; i < keys.length; i += readBatch) {
    const batch = keys.slice(i, i + readBatch);
    const remoteVersions = await peer.getVersions(batch);
    rounds += 1;
    roundTrips += 1;
    checkAbort();
    const toPush: Array<[string, VersionedRecord]> = [];
    // From here to the end of the loop body nothing awaits: the local reads,
    // the checks and the local merges see one consistent local state.
    for (const key of batch) {
      if (digestHex(store, key) !== baseline.get(key)) {
        skipped += 1;
        continue;
      }
      const mine = store.getVersion(key);
      const theirs = remoteVersions.get(key);
      const decision = decide(mine, theirs);
      if (decision === 'none') {
        converged += 1;
      } else if (decision === 'pull' && theirs !== undefined) {
        if (store.merge(key, theirs) === 'applied') pulled += 1;
      } else if (decision === 'push' && mine !== undefined) {
        toPush.push([key, mine]);
      }
    }
    for (let j = 0; j < toPush.length; j += writeBatch) {
      const chunk = toPush.slice(j, j + writeBatch);
      await peer.putVersions(chunk);
      rounds += 1;
      roundTrips += 1;
      pushed += chunk.length;
      checkAbort();
    }
  }

  return {
    rounds,
    treeQueries: remote.queries(),
    bytes: peer.bytes() - bytesBefore,
    pulled,
    pushed,
    differing: keys.length,
    skipped,
    converged,
    ms: Math.round(now() - started),
    inSync: keys.length === 0,
    roundTrips,
    mode: keys.length === 0 ? 'in-sync' : 'legacy',
    protocol: 1,
  };
}

/** Which side is stale: `pull` = the local one, `push` = the peer's, `none` = they agree. */
export function decide(
  mine: VersionedRecord | undefined,
  theirs: VersionedRecord | undefined,
): 'pull' | 'push' | 'none' {
  if (mine === undefined) return theirs === undefined ? 'none' : 'pull';
  if (theirs === undefined) return 'push';
  const order = compareVersions(mine, theirs);
  if (order === 0) return 'none';
  return order < 0 ? 'pull' : 'push';
}

function digestHex(store: LegacySessionStore, key: string): string | undefined {
  const digest = store.digestOf(key);
  return digest === undefined ? undefined : toHex(digest);
}

/** The local tree, remembering the digest of every key its leaves showed. */
function recordingTree(tree: RemoteTree, seen: Map<string, string>): RemoteTree {
  return {
    root: () => tree.root(),
    children: (path: TreePath) => tree.children(path),
    leaf: async (path: TreePath): Promise<LeafEntry[]> => {
      const entries = await tree.leaf(path);
      for (const entry of entries) seen.set(entry.key, entry.digest.toLowerCase());
      return entries;
    },
  };
}

/** The peer's tree, counting the queries made to it. */
function countingTree(peer: RemoteTree): { tree: RemoteTree; queries: () => number } {
  let count = 0;
  return {
    tree: {
      root: () => {
        count += 1;
        return peer.root();
      },
      children: (path: TreePath) => {
        count += 1;
        return peer.children(path);
      },
      leaf: (path: TreePath) => {
        count += 1;
        return peer.leaf(path);
      },
    },
    queries: () => count,
  };
}

export function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new AntiEntropyError('INVALID_OPTION', `Invalid ${name} ${value}: expected a positive integer`);
  }
  return value;
}
