import type { ClockSkewEvent } from '@merklekv/storage';
import type { StatsSection } from './commands/context.js';
import type { Logger } from './logger.js';

/** One log line per peer at most this often. */
export const SKEW_LOG_INTERVAL_MS = 60_000;

interface PeerSkew {
  events: number;
  maxSkewMs: number;
  lastLogAt: number;
  suppressed: number;
}

/**
 * What the store reports when a merged version's ts is more than the clock's maximum offset
 * ahead ({@link ClockSkewEvent}, from `HybridClock.observe`): counted per peer (the version's
 * writer) for INFO and the metrics, and logged at most once a minute per peer.
 */
export class ClockSkewMonitor {
  private readonly peers = new Map<string, PeerSkew>();
  private total = 0;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Pass as the Store's `onClockSkew`. */
  readonly observe = (e: ClockSkewEvent): void => {
    this.total++;
    let peer = this.peers.get(e.node);
    if (peer === undefined) {
      peer = { events: 0, maxSkewMs: 0, lastLogAt: Number.NEGATIVE_INFINITY, suppressed: 0 };
      this.peers.set(e.node, peer);
    }
    peer.events++;
    if (e.skewMs > peer.maxSkewMs) peer.maxSkewMs = e.skewMs;
    const at = this.now();
    if (at - peer.lastLogAt < SKEW_LOG_INTERVAL_MS) {
      peer.suppressed++;
      return;
    }
    this.logger.warn(
      { peer: e.node, skew_ms: e.skewMs, key: e.key, events: peer.events, suppressed: peer.suppressed },
      'clock skew: a peer wrote a version ahead of this clock by more than the maximum offset; check NTP on both machines',
    );
    peer.lastLogAt = at;
    peer.suppressed = 0;
  };

  /** Versions merged with a ts past the maximum offset, all peers. */
  get events(): number {
    return this.total;
  }

  /** INFO's `# Clock` section. */
  section(maxSkewMs: number): StatsSection {
    const peers = [...this.peers].map(([node, p]) => `${node}=${p.events}/${p.maxSkewMs}ms`).join(',');
    return ['Clock', { clock_skew_events: this.total, clock_skew_max_ms: maxSkewMs, clock_skew_peers: peers }];
  }
}
