/**
 * How long this node's Merkle root has differed from each peer's. Observations
 * come from two places, possibly out of order: a status probe (our root and
 * the peer's HASH compared at one moment) and an anti-entropy session (it
 * started with equal roots, or found nothing to repair). The latest
 * observation says whether the two replicas agree now; the latest match says
 * since when they have not. An unreachable peer is not an observation: the
 * page and `merklekv_peer_up` show it, the divergence clock keeps its last
 * verdict.
 */

/** What is known about one peer's root, as of `now`. */
export interface Divergence {
  /** The latest observation: roots equal (true) or different (false). */
  readonly matched: boolean;
  /** The latest time roots were seen equal (ms since the epoch); absent when never. */
  readonly lastMatchedAt?: number;
  /** Since when they differ: the last match, else the first observation; absent while they match. */
  readonly divergedSince?: number;
  /** `now - divergedSince` in seconds, 0 while they match. */
  readonly seconds: number;
}

interface PeerTrack {
  firstSeenAt: number;
  latestAt: number;
  latestMatched: boolean;
  lastMatchedAt: number | undefined;
}

/** Tracks, per peer address, when the roots last matched. Pure: times are passed in. */
export class DivergenceTracker {
  private readonly peers = new Map<string, PeerTrack>();

  /** Records that at `at` the roots of this node and `peer` were equal (or not). */
  observe(peer: string, at: number, matched: boolean): void {
    const track = this.peers.get(peer);
    if (track === undefined) {
      this.peers.set(peer, { firstSeenAt: at, latestAt: at, latestMatched: matched, lastMatchedAt: matched ? at : undefined });
      return;
    }
    track.firstSeenAt = Math.min(track.firstSeenAt, at);
    if (at >= track.latestAt) {
      track.latestAt = at;
      track.latestMatched = matched;
    }
    if (matched && (track.lastMatchedAt === undefined || at > track.lastMatchedAt)) track.lastMatchedAt = at;
  }

  /** The state of `peer` as of `now`; undefined when it was never observed. */
  state(peer: string, now: number): Divergence | undefined {
    const track = this.peers.get(peer);
    if (track === undefined) return undefined;
    const last = track.lastMatchedAt !== undefined ? { lastMatchedAt: track.lastMatchedAt } : {};
    if (track.latestMatched) return { matched: true, ...last, seconds: 0 };
    const since = track.lastMatchedAt ?? track.firstSeenAt;
    return { matched: false, ...last, divergedSince: since, seconds: Math.max(0, now - since) / 1000 };
  }

  /** Every observed peer. */
  known(): string[] {
    return [...this.peers.keys()];
  }

  /** Forgets peers that are no longer known (removed from peer_list, left the cluster). */
  retain(peers: ReadonlySet<string>): void {
    for (const peer of this.peers.keys()) if (!peers.has(peer)) this.peers.delete(peer);
  }
}
