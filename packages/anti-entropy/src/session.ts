/**
 * One anti-entropy session with one peer, in a number of round trips that does
 * not grow with the number of differences (peer protocol 2).
 *
 * 1. Root round: HASH and PEERV, pipelined. Equal roots end the session (one
 *    round trip). A peer that does not speak protocol 2 gets the protocol-1
 *    walk (legacy-session.ts), reusing the root reply. Protocols 2 and 3 run
 *    the same steps below; 3 only packs the summaries (PTREES/PENTRIES, chosen
 *    by the peer adapter after PEERV).
 * 2. Compare (`reconcile` from @merklekv/merkle): level by level, every
 *    differing node of a level in one batch; counts beside truncated hashes;
 *    small subtrees answered with (key, digest) entries; one-sided subtrees,
 *    an empty or far-behind replica, or a level that differs almost everywhere
 *    become whole subtrees to exchange as records (bulk catch-up). A subtree
 *    both sides hold is compared by STAMPS (versions without values) first,
 *    so that each winning version travels once: GETV for the keys newer on
 *    the peer (or RECORDS when that is nearly all of a frame), PUTVS for the
 *    rest.
 * 3. Fetch round(s): GETV for the differing keys and RECORDS for the subtrees,
 *    pipelined; RECORDS in frames of about `frameRecords` records, at most
 *    `window` frames in flight (the flow control: the next frames are asked
 *    only once these arrived). A HASH rides along for the confirmation.
 * 4. Confirm, then repair (as in protocol 1, after Riak's tictac exchange): a
 *    differing key whose local digest changed since the comparison is skipped
 *    this round; otherwise the LWW winner decides between pull (local merge)
 *    and push. A record of a streamed subtree is compared with the local
 *    version right when it arrives, with no await in between, and merged
 *    through LWW. Tombstones travel like values: nothing is resurrected.
 * 5. Push round: PUTVS lines pipelined, then HASH for the confirmation (past
 *    `window` × `frameRecords` versions, one more round per such batch).
 * 6. Full-width confirmation: the local root and the peer's last root must be
 *    equal. If they are not, and nothing was skipped, a truncated hash may
 *    have collided: one more pass runs with full-width hashes.
 *
 * Round trips without concurrent writes: 1 (root) + at most depth + 1
 * (compare) + 1 (fetch, more only past `window` frames; + 1 to read the
 * winners found by STAMPS) + 1 (push, more only past `window` ×
 * `frameRecords` versions).
 */
import { FULL_HASH_BYTES, localSummaryTree, MerkleError, reconcile, subtreeKeys, toHex } from '@merklekv/merkle';
import type { LeafEntry, RecordPath, RemoteTree, RootReply, SummaryTree, TreePath, TreeShape } from '@merklekv/merkle';
import { compareVersions } from '@merklekv/storage';
import type { Store, VersionedRecord } from '@merklekv/storage';
import { AntiEntropyError } from './errors.js';
import { decide, positive, runLegacySession } from './legacy-session.js';
import type { Peer, PeerProtocol2, SyncReport, VersionStamp } from './peer.js';
import type { SessionOptions } from './session-options.js';

export { decide } from './legacy-session.js';
export type { SessionOptions } from './session-options.js';

/** The part of a Store a session reads and writes. */
export type SessionStore = Pick<Store, 'remoteTree' | 'getVersion' | 'merge' | 'digestOf' | 'tree'>;

interface Tally {
  roundTrips: number;
  treeQueries: number;
  pulled: number;
  pushed: number;
  differing: number;
  skipped: number;
  converged: number;
}

/**
 * Runs one session: compares the local store with `peer`, confirms each
 * difference and repairs the stale side. Does not close `peer`.
 *
 * @throws AntiEntropyError `ABORTED` when `opts.signal` fires, `INVALID_OPTION`;
 *   any error of the peer (connection, protocol) or of the tree comparison
 *   (`SHAPE_MISMATCH`) is passed on unchanged.
 */
export async function runSession(store: SessionStore, peer: Peer, opts: SessionOptions = {}): Promise<SyncReport> {
  const now = opts.now ?? (() => performance.now());
  positive(opts.readBatch ?? 1000, 'readBatch');
  positive(opts.writeBatch ?? 1000, 'writeBatch');
  const started = now();
  const bytesBefore = peer.bytes();
  const checkAbort = abortCheck(opts.signal);

  checkAbort();
  const p2 = opts.maxProtocol === 1 ? undefined : peer.protocol2;
  const [theirs, protocol] = await Promise.all([peer.root(), p2 === undefined ? Promise.resolve(1) : p2.version(opts.maxProtocol ?? 3)]);
  const mine = await store.remoteTree().root();
  checkAbort();
  const t: Tally = { roundTrips: 1, treeQueries: 1, pulled: 0, pushed: 0, differing: 0, skipped: 0, converged: 0 };
  const finish = (mode: SyncReport['mode'], confirmed?: boolean): SyncReport => ({
    rounds: t.roundTrips,
    treeQueries: t.treeQueries,
    bytes: peer.bytes() - bytesBefore,
    pulled: t.pulled,
    pushed: t.pushed,
    differing: t.differing,
    skipped: t.skipped,
    converged: t.converged,
    ms: Math.round(now() - started),
    inSync: mode === 'in-sync',
    roundTrips: t.roundTrips,
    mode,
    protocol: Math.min(protocol, 3),
    ...(confirmed === undefined ? {} : { confirmed }),
  });
  if (mine.shape !== theirs.shape) {
    throw new MerkleError('SHAPE_MISMATCH', `Tree shape mismatch: local '${mine.shape}', remote '${theirs.shape}'`);
  }
  if (mine.hash === theirs.hash) return finish('in-sync');

  if (p2 === undefined || protocol < 2) {
    const legacy = await runLegacySession(store, cachedRoot(peer, theirs), opts);
    return { ...legacy, bytes: peer.bytes() - bytesBefore, ms: Math.round(now() - started), protocol: 1, mode: 'legacy' };
  }

  const shape = store.tree.shape;
  let width = opts.hashWidth ?? 3;
  let roots = { local: mine, remote: theirs };
  let mode: 'tree' | 'bulk' = 'tree';
  for (let pass = 0; ; pass += 1) {
    const outcome = await pass2(store, p2, peer, roots, width, shape, opts, t, checkAbort);
    if (outcome.mode === 'bulk') mode = 'bulk';
    const localRoot = await store.remoteTree().root();
    const confirmed = localRoot.hash === outcome.remoteRoot.hash;
    if (confirmed || pass > 0 || t.skipped > 0 || width >= FULL_HASH_BYTES) return finish(mode, confirmed);
    width = FULL_HASH_BYTES;
    roots = { local: localRoot, remote: outcome.remoteRoot };
  }
}

/** One compare-fetch-repair pass of protocol 2; returns the peer's root as read at the end. */
async function pass2(
  store: SessionStore,
  p2: PeerProtocol2,
  peer: Peer,
  roots: { local: RootReply; remote: RootReply },
  width: number,
  shape: TreeShape,
  opts: SessionOptions,
  t: Tally,
  checkAbort: () => void,
): Promise<{ remoteRoot: RootReply; mode: 'tree' | 'bulk' }> {
  const readBatch = opts.readBatch ?? 1000;
  const frameRecords = positive(opts.frameRecords ?? 16_384, 'frameRecords');
  const window = positive(opts.window ?? 8, 'window');

  const seen = new Map<string, string>();
  const local = recording(localSummaryTree(store.tree, (key) => store.digestOf(key)), seen);
  const remote: SummaryTree = { children: (p, w) => p2.children(p, w), entries: (p, w) => p2.entries(p, w) };
  const found = await reconcile(local, remote, roots, {
    width,
    ...(opts.smallThreshold === undefined ? {} : { smallThreshold: opts.smallThreshold }),
    ...(opts.path === 'bulk' ? { forceBulk: true } : opts.path === 'tree' ? { bulkFraction: 2 } : {}),
  });
  t.roundTrips += found.rounds;
  t.treeQueries += found.rounds;
  checkAbort();

  const { keys } = found;
  t.differing += keys.length;
  const baseline = new Map<string, string | undefined>();
  for (const key of keys) baseline.set(key, seen.has(key) ? seen.get(key) : digestHex(store, key));
  const digestUnchanged = (key: string): boolean => digestHex(store, key) === baseline.get(key);
  // Keys the stamps showed newer on the peer keep the local version seen then as their baseline:
  // every local write gives a new (ts, node), so comparing stamps tells a change as the digest
  // would, without hashing each version twice (a third of a bulk session's time when it pulls).
  const stampBaseline = new Map<string, VersionedRecord | undefined>();
  const stampUnchanged = (key: string): boolean => sameStamp(store.getVersion(key), stampBaseline.get(key));

  const toPush: Array<[string, VersionedRecord]> = [];
  // A subtree the local side (nearly) lacks is streamed as records; one both sides
  // hold (the bulk frontier of a level that differs almost everywhere) as stamps
  // first, so that only the winning versions travel, once.
  const fetched = found.recordPaths.filter((p) => p.remoteCount > 0);
  const jobs: Array<{ readonly stamps: boolean; readonly frame: TreePath[] }> = [
    ...frameUp(fetched.filter((p) => p.localCount * 4 <= p.remoteCount), frameRecords, shape).map((frame) => ({ stamps: false, frame })),
    ...frameUp(fetched.filter((p) => p.localCount * 4 > p.remoteCount), frameRecords, shape).map((frame) => ({ stamps: true, frame })),
  ];
  const pushOnly = found.recordPaths.filter((p) => p.remoteCount === 0);
  let remoteRoot: RootReply | undefined;
  const pulls: string[] = [];
  const refetch: TreePath[][] = [];

  for (let start = 0; start === 0 || start < jobs.length; start += window) {
    const slice = jobs.slice(start, start + window);
    const last = start + window >= jobs.length;
    const wantGetv = start === 0 && keys.length > 0;
    if (!wantGetv && slice.length === 0) break;
    const [versions, replies, root] = await Promise.all([
      wantGetv ? readVersions(peer, keys, readBatch) : Promise.resolve(new Map<string, VersionedRecord>()),
      Promise.all(slice.map((job) => (job.stamps ? p2.stamps(job.frame) : p2.records(job.frame)))),
      last ? peer.root() : Promise.resolve(undefined),
    ]);
    t.roundTrips += 1;
    if (root !== undefined) remoteRoot = root;
    checkAbort();
    // From here to the end of the loop body nothing awaits: every local read,
    // check and merge sees one consistent local state.
    if (wantGetv) confirmKeys(store, keys, digestUnchanged, versions, toPush, t);
    slice.forEach((job, f) => {
      const reply = replies[f] ?? [];
      if (!job.stamps) {
        applyRecords(store, job.frame, reply as Array<[string, VersionedRecord]>, toPush, t);
        return;
      }
      const seen = compareStampFrame(store, job.frame, reply);
      // Naming the keys to read costs ~12 bytes each beside their ~72-byte records: when
      // nearly every stamp of the frame is newer on the peer, its records are cheaper whole.
      if (seen.pulls.length > STREAM_SHARE * reply.length) {
        refetch.push(job.frame);
        return;
      }
      t.differing += seen.pulls.length + seen.pushes.length;
      toPush.push(...seen.pushes);
      for (const [key, mine] of seen.pulls) {
        pulls.push(key);
        stampBaseline.set(key, mine);
      }
    });
  }
  // The versions the stamps showed newer on the peer, read (GETV, confirmed and merged like any
  // differing key) or, for frames that are nearly all newer there, streamed whole.
  for (let start = 0; start === 0 || start < refetch.length; start += window) {
    const slice = refetch.slice(start, start + window);
    const wantGetv = start === 0 && pulls.length > 0;
    if (!wantGetv && slice.length === 0) break;
    const [versions, replies, root] = await Promise.all([
      wantGetv ? readVersions(peer, pulls, readBatch) : Promise.resolve(new Map<string, VersionedRecord>()),
      Promise.all(slice.map((frame) => p2.records(frame))),
      start + window >= refetch.length ? peer.root() : Promise.resolve(undefined),
    ]);
    t.roundTrips += 1;
    if (root !== undefined) remoteRoot = root;
    checkAbort();
    if (wantGetv) confirmKeys(store, pulls, stampUnchanged, versions, toPush, t);
    slice.forEach((frame, f) => applyRecords(store, frame, replies[f] ?? [], toPush, t));
  }
  for (const { path } of pushOnly) {
    for (const key of subtreeKeys(store.tree, path)) {
      const mine = store.getVersion(key);
      if (mine !== undefined) {
        toPush.push([key, mine]);
        t.differing += 1;
      }
    }
  }

  // Pushes in rounds of at most `window` frames of records (the same flow control as RECORDS);
  // the confirming HASH rides with the last one.
  const perRound = window * frameRecords;
  for (let i = 0; i < toPush.length; i += perRound) {
    const chunk = toPush.slice(i, i + perRound);
    const last = i + perRound >= toPush.length;
    const [, root] = await Promise.all([p2.putMany(chunk), last ? peer.root() : Promise.resolve(undefined)]);
    t.roundTrips += 1;
    t.pushed += chunk.length;
    if (root !== undefined) remoteRoot = root;
    checkAbort();
  }
  if (remoteRoot === undefined) {
    remoteRoot = await peer.root();
    t.roundTrips += 1;
  }
  return { remoteRoot, mode: found.mode };
}

/** The confirm step for keys named by differing entries (see the comment at the top). */
function confirmKeys(
  store: SessionStore,
  keys: readonly string[],
  unchanged: (key: string) => boolean,
  remoteVersions: ReadonlyMap<string, VersionedRecord>,
  toPush: Array<[string, VersionedRecord]>,
  t: Tally,
): void {
  for (const key of keys) {
    if (!unchanged(key)) {
      t.skipped += 1;
      continue;
    }
    const mine = store.getVersion(key);
    const theirs = remoteVersions.get(key);
    const decision = decide(mine, theirs);
    if (decision === 'none') t.converged += 1;
    else if (decision === 'pull' && theirs !== undefined) {
      if (store.merge(key, theirs) === 'applied') t.pulled += 1;
    } else if (decision === 'push' && mine !== undefined) toPush.push([key, mine]);
  }
}

/** Compares a streamed frame with the local records under its paths: pull what the peer has newer, push the rest. */
function applyRecords(
  store: SessionStore,
  frame: readonly TreePath[],
  records: ReadonlyArray<[string, VersionedRecord]>,
  toPush: Array<[string, VersionedRecord]>,
  t: Tally,
): void {
  const theirs = new Set<string>();
  for (const [key, version] of records) {
    theirs.add(key);
    const mine = store.getVersion(key);
    const decision = decide(mine, version);
    if (decision === 'none') continue;
    t.differing += 1;
    if (decision === 'pull') {
      if (store.merge(key, version) === 'applied') t.pulled += 1;
    } else if (mine !== undefined) toPush.push([key, mine]);
  }
  for (const path of frame) {
    for (const key of subtreeKeys(store.tree, path)) {
      if (theirs.has(key)) continue;
      const mine = store.getVersion(key);
      if (mine !== undefined) {
        t.differing += 1;
        toPush.push([key, mine]);
      }
    }
  }
}

/** Above this share of a stamps frame newer on the peer, the frame's records are streamed whole. */
const STREAM_SHARE = 0.85;

/**
 * Compares a frame of the peer's stamps with the local records under its paths: the keys the
 * peer holds newer (to read), and the local versions that are newer or held only locally (to push).
 */
function compareStampFrame(
  store: SessionStore,
  frame: readonly TreePath[],
  stamps: ReadonlyArray<readonly [string, VersionStamp]>,
): { pulls: Array<[string, VersionedRecord | undefined]>; pushes: Array<[string, VersionedRecord]> } {
  const theirs = new Set<string>();
  const pulls: Array<[string, VersionedRecord | undefined]> = [];
  const pushes: Array<[string, VersionedRecord]> = [];
  for (const [key, stamp] of stamps) {
    theirs.add(key);
    const mine = store.getVersion(key);
    const order = mine === undefined ? 1 : compareStamps(stamp, mine);
    // A stamp that only the value could order against the local version is read like a newer one:
    // the confirm step then decides between the two full versions.
    if (order > 0 || Number.isNaN(order)) pulls.push([key, mine]);
    else if (order < 0 && mine !== undefined) pushes.push([key, mine]);
  }
  for (const path of frame) {
    for (const key of subtreeKeys(store.tree, path)) {
      if (theirs.has(key)) continue;
      const mine = store.getVersion(key);
      if (mine !== undefined) pushes.push([key, mine]);
    }
  }
  return { pulls, pushes };
}

/** What {@link compareStamps} returns when two stamps differ only where the value comes first in the order (test it with `Number.isNaN`). */
export const VALUE_DECIDES = Number.NaN;

/**
 * The LWW order of two versions by their stamps, by storage's `compareVersions` (the one
 * definition: ts, node id, tombstone over value, value, expireAt): > 0 when `a` wins, < 0 when
 * `b` wins, 0 for the same stamp (expireAt included). Two stamps with the same ts, node and
 * flag but different expireAt are ordered by their values first, which stamps do not carry:
 * then it returns {@link VALUE_DECIDES} (NaN, neither above nor below 0), and the caller must
 * read the full version. (Tombstones all hold '', so for them the stamps decide.)
 */
export function compareStamps(a: VersionStamp, b: VersionStamp): number {
  // compareVersions with both values '' (the test checks the two agree), written out: a bulk
  // session compares every key's stamps, and two spread copies per key were a third of its GC.
  if (a.ts !== b.ts || a.node !== b.node || a.deleted !== b.deleted) return compareVersions(a as VersionStamp & { value: string }, b as VersionStamp & { value: string });
  const ea = a.expireAt ?? 0;
  const eb = b.expireAt ?? 0;
  if (ea === eb) return 0;
  return a.deleted ? (ea < eb ? -1 : 1) : VALUE_DECIDES;
}

/** GETV for `keys` in pipelined batches of `batch`, as one map. */
async function readVersions(peer: Peer, keys: readonly string[], batch: number): Promise<Map<string, VersionedRecord>> {
  const batches: string[][] = [];
  for (let i = 0; i < keys.length; i += batch) batches.push(keys.slice(i, i + batch));
  return mergeMaps(await Promise.all(batches.map((b) => peer.getVersions(b))));
}

/**
 * Groups subtrees into frames of about `frameRecords` remote records; a subtree
 * larger than a frame is split into its descendants (down to the buckets),
 * assuming keys spread evenly over them, as the key hash makes them.
 */
export function frameUp(paths: readonly RecordPath[], frameRecords: number, shape: TreeShape): TreePath[][] {
  const parts: Array<{ path: TreePath; estimate: number }> = [];
  for (const { path, remoteCount } of paths) {
    let levels = 0;
    while (path.length + levels < shape.depth && remoteCount / shape.fanout ** levels > frameRecords) levels += 1;
    const estimate = remoteCount / shape.fanout ** levels;
    for (const suffix of descendants(levels, shape.fanout)) parts.push({ path: [...path, ...suffix], estimate });
  }
  const frames: TreePath[][] = [];
  let frame: TreePath[] = [];
  let size = 0;
  for (const { path, estimate } of parts) {
    if (frame.length > 0 && size + estimate > frameRecords) {
      frames.push(frame);
      frame = [];
      size = 0;
    }
    frame.push(path);
    size += estimate;
  }
  if (frame.length > 0) frames.push(frame);
  return frames;
}

function descendants(levels: number, fanout: number): number[][] {
  let out: number[][] = [[]];
  for (let l = 0; l < levels; l++) out = out.flatMap((p) => Array.from({ length: fanout }, (_, c) => [...p, c]));
  return out;
}

function mergeMaps(maps: ReadonlyArray<Map<string, VersionedRecord>>): Map<string, VersionedRecord> {
  if (maps.length === 1) return maps[0] as Map<string, VersionedRecord>;
  const out = new Map<string, VersionedRecord>();
  for (const m of maps) for (const [k, v] of m) out.set(k, v);
  return out;
}

/**
 * Whether the local version `now` is still `then`, by stamp (ts, node, deleted, expireAt): a write
 * always brings a new (ts, node). A value that expired meanwhile counts as unchanged (its expiry
 * tombstone keeps ts, node and expireAt), as its digest did when the digest was read first.
 */
function sameStamp(now: VersionedRecord | undefined, then: VersionedRecord | undefined): boolean {
  if (now === undefined || then === undefined) return now === then;
  const expireAt = now.expireAt ?? 0;
  if (now.ts !== then.ts || now.node !== then.node || expireAt !== (then.expireAt ?? 0)) return false;
  return now.deleted === then.deleted || expireAt !== 0;
}

function digestHex(store: SessionStore, key: string): string | undefined {
  const digest = store.digestOf(key);
  return digest === undefined ? undefined : toHex(digest);
}

/** The local summary tree, remembering the full digest of every key its entries showed. */
function recording(tree: SummaryTree, seen: Map<string, string>): SummaryTree {
  return {
    children: (paths, width) => tree.children(paths, width),
    entries: async (paths, width): Promise<LeafEntry[]> => {
      const entries = await tree.entries(paths, width);
      for (const entry of entries) seen.set(entry.key, entry.digest);
      return entries;
    },
  };
}

/** `peer` whose first root query is answered with `root` (already read in the root round) without asking again. */
function cachedRoot(peer: Peer, root: RootReply): Peer {
  let cached: RootReply | undefined = root;
  const tree: RemoteTree = peer;
  return {
    ...peer,
    root: () => {
      if (cached === undefined) return tree.root();
      const reply = cached;
      cached = undefined;
      return Promise.resolve(reply);
    },
    children: (path) => peer.children(path),
    leaf: (path) => peer.leaf(path),
    getVersions: (keys) => peer.getVersions(keys),
    putVersions: (versions) => peer.putVersions(versions),
    close: () => peer.close(),
    bytes: () => peer.bytes(),
  };
}

function abortCheck(signal: AbortSignal | undefined): () => void {
  return () => {
    if (signal?.aborted === true) throw new AntiEntropyError('ABORTED', 'Anti-entropy session aborted');
  };
}
