import { describe, expect, it } from '@jest/globals';
import type { AntiEntropyStats, PeerSyncStatus, SyncReport } from '@merklekv/anti-entropy';
import { ClusterMonitor, type ClusterViewSource } from './cluster-view.js';
import { peerFacts, type PeerProbe } from './peer-probe.js';

const report = (r: Partial<SyncReport>): SyncReport => ({ rounds: 1, treeQueries: 1, bytes: 100, pulled: 0, pushed: 0, differing: 0, skipped: 0, converged: 0, ms: 3, inSync: true, roundTrips: 1, mode: 'in-sync', protocol: 2, ...r });

function fakeSource(over: Partial<ClusterViewSource> & { sessions?: PeerSyncStatus[]; now?: { t: number } } = {}) {
  const now = over.now ?? { t: 10_000 };
  const probes: string[] = [];
  const ae: AntiEntropyStats = { sessions: 3, failures: 1, keysRepaired: 2, keysPulled: 1, keysPushed: 1, bytes: 500, running: 0, queued: 0, peers: over.sessions ?? [] };
  const source: ClusterViewSource = {
    nodeId: 'n1',
    address: '127.0.0.1:7001',
    peers: () => [
      { address: '127.0.0.1:7002', sources: ['peer_list'] },
      { address: '127.0.0.1:7003', sources: ['peer_list', 'discovery'] },
    ],
    root: () => ({ root: 'aaaa', count: 4 }),
    keys: () => 3,
    replication: () => undefined,
    queueLimit: 100,
    antiEntropy: () => ae,
    antiEntropyEnabled: true,
    intervalSeconds: () => 5,
    activity: () => ({ opsPerSec: 12, p99LatencyMs: null, replicationInPerSec: 1, replicationOutPerSec: 2, windowSeconds: 10 }),
    probe: async (address): Promise<PeerProbe> => {
      probes.push(address);
      if (address.endsWith('7003')) return { up: false, at: now.t, ms: 1500, error: 'no answer within 1500 ms' };
      const info = { 'Server Information': { node_id: 'n2', total_keys: '3' }, Replication: { connected: 'false', queue_depth: '7' }, Activity: { ops_per_sec: '4.5', p99_latency_ms: '0.25', replication_in_per_sec: '1', replication_out_per_sec: '0' } };
      return { up: true, at: now.t, ms: 2, facts: peerFacts(info, { root: 'aaaa', count: 4, shape: '16x3' }) };
    },
    clock: () => now.t,
    ...over,
  };
  return { source, probes, now };
}

describe('ClusterMonitor', () => {
  it('lists this node first, then each peer: reachable with its figures, or unreachable with the reason', async () => {
    const { source } = fakeSource();
    const view = await new ClusterMonitor(source).view();
    expect(view.nodes.map((n) => [n.address, n.self, n.up])).toEqual([
      ['127.0.0.1:7001', true, true],
      ['127.0.0.1:7002', false, true],
      ['127.0.0.1:7003', false, false],
    ]);
    expect(view.nodes[0]).toMatchObject({ nodeId: 'n1', keys: 3, records: 4, root: 'aaaa', replication: null, activity: { opsPerSec: 12, replicationOutPerSec: 2 } });
    expect(view.nodes[1]).toMatchObject({ nodeId: 'n2', keys: 3, sameRoot: true, replication: { connected: false, queueDepth: 7 }, activity: { opsPerSec: 4.5, p99LatencyMs: 0.25 } });
    expect(view.nodes[2]).toMatchObject({ error: 'no answer within 1500 ms', sources: ['peer_list', 'discovery'] });
    expect(view.nodes[2]?.sameRoot).toBeUndefined();
    expect(view.summary).toEqual({ nodes: 3, up: 2, unreachable: 1, inSync: 2, diverged: 0 });
    expect(view.antiEntropy).toEqual({ enabled: true, intervalSeconds: 5, sessions: 3, failures: 1 });
    expect(JSON.parse(JSON.stringify(view))).toEqual(view); // plain JSON
  });

  it('shows the last anti-entropy session with each peer', async () => {
    const sessions: PeerSyncStatus[] = [
      { address: '127.0.0.1:7002', at: 9_000, ok: true, report: report({ rounds: 7, roundTrips: 7, pulled: 2, pushed: 1, inSync: false, mode: 'tree' }) },
      { address: '127.0.0.1:7003', at: 8_000, ok: false, error: 'connect ECONNREFUSED' },
    ];
    const { source } = fakeSource({ sessions });
    const view = await new ClusterMonitor(source).view();
    expect(view.nodes[1]?.lastSession).toEqual({ at: new Date(9_000).toISOString(), ok: true, roundTrips: 7, keysRepaired: 3, keysPulled: 2, keysPushed: 1, bytes: 100, ms: 3, inSync: false });
    expect(view.nodes[2]?.lastSession).toEqual({ at: new Date(8_000).toISOString(), ok: false, error: 'connect ECONNREFUSED' });
  });

  it('serves a cached view for cacheMs and builds one view for concurrent callers', async () => {
    const { source, probes, now } = fakeSource();
    const monitor = new ClusterMonitor(source, { cacheMs: 1000 });
    const [v1, v2] = await Promise.all([monitor.view(), monitor.view()]);
    expect(v1).toBe(v2);
    expect(probes).toHaveLength(2);
    now.t += 999;
    expect(await monitor.view()).toBe(v1);
    now.t += 1;
    expect(await monitor.view()).not.toBe(v1);
    expect(probes).toHaveLength(4);
  });

  it('flags a differing root with since when, from the last time it matched', async () => {
    let peerRoot = 'aaaa';
    const now = { t: 10_000 };
    const { source } = fakeSource({
      now,
      probe: async (address) => ({ up: true, at: now.t, ms: 1, facts: peerFacts({ 'Server Information': { node_id: address } }, { root: peerRoot, count: 1, shape: 's' }) }),
    });
    const monitor = new ClusterMonitor(source, { cacheMs: 0 });
    await monitor.view();
    peerRoot = 'bbbb';
    now.t = 25_000;
    const view = await monitor.view();
    expect(view.nodes[1]).toMatchObject({ sameRoot: false, divergedSince: new Date(10_000).toISOString(), divergedSeconds: 15 });
    expect(view.summary).toMatchObject({ inSync: 1, diverged: 2 });
  });

  it('keeps the name a peer last answered with while it is unreachable', async () => {
    let up = true;
    const now = { t: 1000 };
    const { source } = fakeSource({
      now,
      probe: async (address) =>
        up
          ? { up: true, at: now.t, ms: 1, facts: peerFacts({ 'Server Information': { node_id: `id-${address.slice(-4)}` } }, { root: 'aaaa', count: 1, shape: 's' }) }
          : { up: false, at: now.t, ms: 1, error: 'read ECONNRESET' },
    });
    const monitor = new ClusterMonitor(source, { cacheMs: 0 });
    await monitor.view();
    up = false;
    const view = await monitor.view();
    expect(view.nodes.slice(1).map((n) => [n.nodeId, n.up, n.error])).toEqual([
      ['id-7002', false, 'read ECONNRESET'],
      ['id-7003', false, 'read ECONNRESET'],
    ]);
  });

  it('takes an anti-entropy session that found nothing to repair as a match', async () => {
    const now = { t: 20_000 };
    const sessions: PeerSyncStatus[] = [{ address: '127.0.0.1:7003', at: 19_000, ok: true, report: report({ inSync: false, differing: 2, converged: 2 }) }];
    const { source } = fakeSource({ now, sessions });
    const monitor = new ClusterMonitor(source);
    await monitor.view();
    // 7003 is unreachable now, but its last session showed agreement at 19 s.
    expect(monitor.divergence.state('127.0.0.1:7003', now.t)).toEqual({ matched: true, lastMatchedAt: 19_000, seconds: 0 });
  });
});
