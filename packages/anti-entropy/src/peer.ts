import type { RemoteTree } from '@merklekv/merkle';
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
}
