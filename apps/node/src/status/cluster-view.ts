/**
 * The data of the status page (`GET /cluster`) and of `merklekv-cli cluster`:
 * this node and every peer it knows (peer_list plus discovery), each peer
 * probed over the peer protocol, concurrently, with a short deadline. A view
 * is cached briefly and built once for concurrent callers, so a page open in
 * several tabs, the CLI and a Prometheus scrape cost one round of probes.
 */
import type { AntiEntropyStats } from '@merklekv/anti-entropy';
import type { ReplicationStats } from '@merklekv/replication';
import type { Activity } from './activity.js';
import { DivergenceTracker } from './divergence.js';
import type { PeerActivity, PeerProbe } from './peer-probe.js';
import { sessionAgreed, sessionView, type SessionView } from './session-view.js';

/** Where a peer address comes from. */
export type PeerSource = 'peer_list' | 'discovery';

/** What the view reads of the running node. */
export interface ClusterViewSource {
  readonly nodeId: string;
  /** This node's client address as peers dial it. */
  readonly address: string;
  /** Peers by normalized address, with where each comes from. */
  peers(): ReadonlyArray<{ readonly address: string; readonly sources: readonly PeerSource[] }>;
  /** This node's Merkle root (hex) and record count. */
  root(): { readonly root: string; readonly count: number };
  keys(): number;
  /** Undefined when the node runs without MQTT. */
  replication(): ReplicationStats | undefined;
  readonly queueLimit: number;
  antiEntropy(): AntiEntropyStats;
  readonly antiEntropyEnabled: boolean;
  intervalSeconds(): number;
  activity(): Activity | undefined;
  probe(address: string): Promise<PeerProbe>;
  /** @default Date.now */
  readonly clock?: () => number;
}

/** Replication as the page shows it; null when the node runs without MQTT. */
export type ReplicationView = {
  readonly connected: boolean;
  readonly queueDepth?: number;
  readonly queueLimit?: number;
} | null;

/** One row of the page. */
export interface NodeView {
  /** True for the node serving the page. */
  readonly self: boolean;
  readonly address: string;
  readonly sources: readonly ('self' | PeerSource)[];
  /** As the node answered; for an unreachable peer, as it last answered. */
  readonly nodeId?: string;
  /** Answered the probe (always true for self). */
  readonly up: boolean;
  /** Why the probe failed. */
  readonly error?: string;
  readonly keys?: number;
  readonly records?: number;
  readonly root?: string;
  /** Its root equals this node's, as of this view; absent when unknown (unreachable). */
  readonly sameRoot?: boolean;
  /** Since when its root differs from ours (last seen equal, else first seen), ISO 8601. */
  readonly divergedSince?: string;
  readonly divergedSeconds?: number;
  readonly replication?: ReplicationView;
  readonly activity?: PeerActivity;
  /** This node's last anti-entropy session with it. */
  readonly lastSession?: SessionView;
  /** How long the probe took. */
  readonly probeMs?: number;
}

/** `GET /cluster`. */
export interface ClusterView {
  readonly generatedAt: string;
  readonly nodeId: string;
  /** How often the page refreshes. */
  readonly refreshSeconds: number;
  readonly antiEntropy: { readonly enabled: boolean; readonly intervalSeconds: number; readonly sessions: number; readonly failures: number };
  readonly nodes: readonly NodeView[];
  readonly summary: { readonly nodes: number; readonly up: number; readonly unreachable: number; readonly inSync: number; readonly diverged: number };
}

/** Options of {@link ClusterMonitor}. */
export interface ClusterMonitorOptions {
  /** A view younger than this is served again. @default 1000 */
  readonly cacheMs?: number;
  /** @default 2 */
  readonly refreshSeconds?: number;
}

/** Builds (and caches) the cluster view; tracks how long each peer's root has differed. */
export class ClusterMonitor {
  readonly divergence = new DivergenceTracker();
  private readonly clock: () => number;
  private readonly cacheMs: number;
  private readonly refreshSeconds: number;
  private cached: { at: number; view: ClusterView } | undefined;
  private building: Promise<ClusterView> | undefined;
  private lastProbes = new Map<string, PeerProbe>();
  /** The node id each peer address last answered with: an unreachable peer keeps its name. */
  private readonly names = new Map<string, string>();

  constructor(
    private readonly source: ClusterViewSource,
    opts: ClusterMonitorOptions = {},
  ) {
    this.clock = source.clock ?? Date.now;
    this.cacheMs = opts.cacheMs ?? 1000;
    this.refreshSeconds = opts.refreshSeconds ?? 2;
  }

  /** The current view: cached if fresh, else built (once, whoever else asks meanwhile). */
  view(): Promise<ClusterView> {
    const cached = this.cached;
    if (cached !== undefined && this.clock() - cached.at < this.cacheMs) return Promise.resolve(cached.view);
    this.building ??= this.build().finally(() => (this.building = undefined));
    return this.building;
  }

  /** The last probe of each peer (for `merklekv_peer_up`). */
  probes(): ReadonlyMap<string, PeerProbe> {
    return this.lastProbes;
  }

  private async build(): Promise<ClusterView> {
    const { source } = this;
    const peers = source.peers();
    const probes = await Promise.all(peers.map((p) => source.probe(p.address)));
    const now = this.clock();
    const own = source.root();
    const ae = source.antiEntropy();
    const sessions = new Map(ae.peers.map((s) => [s.address, s]));
    const known = new Set(peers.map((p) => p.address));
    this.divergence.retain(known);
    for (const address of this.names.keys()) if (!known.has(address)) this.names.delete(address);
    this.lastProbes = new Map(peers.map((p, i) => [p.address, probes[i] as PeerProbe]));

    const rows: NodeView[] = [this.selfRow(own)];
    peers.forEach((peer, i) => {
      const probe = probes[i] as PeerProbe;
      const session = sessions.get(peer.address);
      const agreed = session === undefined ? undefined : sessionAgreed(session);
      if (session !== undefined && agreed !== undefined) this.divergence.observe(peer.address, session.at, agreed);
      if (probe.up) this.divergence.observe(peer.address, probe.at, probe.facts.root === own.root);
      const state = this.divergence.state(peer.address, now);
      const base = {
        self: false,
        address: peer.address,
        sources: peer.sources,
        up: probe.up,
        probeMs: probe.ms,
        ...(session !== undefined ? { lastSession: sessionView(session) } : {}),
        ...(state !== undefined && !state.matched && state.divergedSince !== undefined
          ? { divergedSince: new Date(state.divergedSince).toISOString(), divergedSeconds: Math.round(state.seconds) }
          : {}),
      };
      if (!probe.up) {
        const name = this.names.get(peer.address);
        rows.push({ ...base, ...(name !== undefined ? { nodeId: name } : {}), error: probe.error });
        return;
      }
      const f = probe.facts;
      if (f.nodeId !== undefined) this.names.set(peer.address, f.nodeId);
      rows.push({
        ...base,
        ...(f.nodeId !== undefined ? { nodeId: f.nodeId } : {}),
        ...(f.keys !== undefined ? { keys: f.keys } : {}),
        records: f.records,
        root: f.root,
        sameRoot: f.root === own.root,
        replication: f.replication === null ? null : { connected: f.replication.connected, ...(f.replication.queueDepth !== undefined ? { queueDepth: f.replication.queueDepth } : {}) },
        ...(f.activity !== undefined ? { activity: f.activity } : {}),
      });
    });

    const peerRows = rows.slice(1);
    const view: ClusterView = {
      generatedAt: new Date(now).toISOString(),
      nodeId: source.nodeId,
      refreshSeconds: this.refreshSeconds,
      antiEntropy: { enabled: source.antiEntropyEnabled, intervalSeconds: source.intervalSeconds(), sessions: ae.sessions, failures: ae.failures },
      nodes: rows,
      summary: {
        nodes: rows.length,
        up: rows.filter((r) => r.up).length,
        unreachable: rows.filter((r) => !r.up).length,
        inSync: 1 + peerRows.filter((r) => r.sameRoot === true).length,
        diverged: peerRows.filter((r) => r.sameRoot === false).length,
      },
    };
    this.cached = { at: this.clock(), view };
    return view;
  }

  private selfRow(own: { root: string; count: number }): NodeView {
    const { source } = this;
    const replication = source.replication();
    const activity = source.activity();
    return {
      self: true,
      address: source.address,
      sources: ['self'],
      nodeId: source.nodeId,
      up: true,
      keys: source.keys(),
      records: own.count,
      root: own.root,
      sameRoot: true,
      replication: replication === undefined ? null : { connected: replication.connected, queueDepth: replication.queueDepth, queueLimit: source.queueLimit },
      ...(activity !== undefined
        ? {
            activity: {
              opsPerSec: activity.opsPerSec,
              p99LatencyMs: activity.p99LatencyMs ?? undefined,
              replicationInPerSec: activity.replicationInPerSec,
              replicationOutPerSec: activity.replicationOutPerSec,
            },
          }
        : {}),
    };
  }
}
