import type { ChildSummary, LeafEntry, RemoteTree, TreePath } from '@merklekv/merkle';
import type { VersionedRecord } from '@merklekv/storage';

/**
 * The far side of an anti-entropy session: its Merkle tree (the
 * {@link RemoteTree} port: `root`, `children`, `leaf`) plus version reads and
 * writes. {@link connectTcpPeer} implements it over the client protocol
 * (HASH, TREE, LEAF, GETV, PUTV); {@link storePeer} over a Store in-process.
 */
export interface Peer extends RemoteTree {
  /** The versions (tombstones included) of `keys`; a key the peer does not hold is absent from the map. */
  getVersions(keys: string[]): Promise<Map<string, VersionedRecord>>;
  /** Merges each version into the peer through its LWW merge (a stale one changes nothing). */
  putVersions(versions: Array<[string, VersionedRecord]>): Promise<void>;
  /** Releases the connection; waits for requests in flight. */
  close(): Promise<void>;
  /** Bytes exchanged with the peer so far (both directions). */
  bytes(): number;
  /** The batched commands of peer protocol 2, when this side can send them (the peer may still not speak them). */
  readonly protocol2?: PeerProtocol2;
}

/** A version without its value (its expireAt included): enough to tell which side's version wins, in most cases. */
export type VersionStamp = Pick<VersionedRecord, 'ts' | 'node' | 'deleted' | 'expireAt'>;

/**
 * Peer protocol 2 (PEERV, TREES, ENTRIES, RECORDS, STAMPS, PUTVS) and 3 (TREES and ENTRIES packed
 * as PTREES and PENTRIES, chosen by the implementation after `version()`): each call may cover
 * many tree nodes and is one request (or several pipelined ones) on the wire.
 */
export interface PeerProtocol2 {
  /** The peer protocol both sides speak (the lower of the two highest, at most 3); 1 when the peer does not know PEERV. Later calls use it. */
  version(max?: number): Promise<number>;
  /** Per path, the children with key counts and hashes truncated to `width` bytes. */
  children(paths: readonly TreePath[], width: number): Promise<ChildSummary[][]>;
  /** The (key, digest) entries under the paths, digests truncated to `width` bytes. */
  entries(paths: readonly TreePath[], width: number): Promise<LeafEntry[]>;
  /** Every record (tombstones included) under the paths. */
  records(paths: readonly TreePath[]): Promise<Array<[string, VersionedRecord]>>;
  /** Every record's version without its value (ts, node, deleted, expireAt) under the paths. */
  stamps(paths: readonly TreePath[]): Promise<Array<[string, VersionStamp]>>;
  /** Merges the versions on the peer through LWW, in as few requests as the line limit allows. */
  putMany(versions: ReadonlyArray<readonly [string, VersionedRecord]>): Promise<void>;
}

/** What one session did. Returned by {@link runSession} and `SYNC host:port`. */
export interface SyncReport {
  /** Requests made to the peer (tree queries + version reads + version writes); 1 when in sync. */
  readonly rounds: number;
  /** Of `rounds`, the tree queries (HASH, TREE, LEAF). */
  readonly treeQueries: number;
  /** Bytes exchanged with the peer during the session. */
  readonly bytes: number;
  /** Keys repaired locally with the peer's newer version. */
  readonly pulled: number;
  /** Keys whose local version was sent to the peer (newer, or missing there). */
  readonly pushed: number;
  /** Keys the tree comparison found different. */
  readonly differing: number;
  /**
   * Differing keys left alone this round because their local version changed
   * between the comparison and the repair (a client write, or an update that
   * was still in flight over MQTT). The next session looks at them again.
   */
  readonly skipped: number;
  /** Differing keys whose two versions were equal by the time they were read (converged meanwhile). */
  readonly converged: number;
  /** Duration of the session in whole ms. */
  readonly ms: number;
  /** True when the root hashes were equal at the start (nothing to repair). */
  readonly inSync: boolean;
  /** Round trips: batches of requests sent together and awaited (a pipelined batch is one). */
  readonly roundTrips: number;
  /** `in-sync`, `tree` (level walk), `bulk` (records streamed), or `legacy` (protocol 1 walk). */
  readonly mode: 'in-sync' | 'tree' | 'bulk' | 'legacy';
  /** The peer protocol used: 1, 2 or 3 (3 = 2 with packed TREES/ENTRIES). */
  readonly protocol: number;
  /** Protocol 2: whether the full-width root hashes were equal at the end. */
  readonly confirmed?: boolean;
}
