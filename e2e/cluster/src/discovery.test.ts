/**
 * Scenario 6: five nodes with empty peer lists find each other through the
 * broker (retained announcements, peer_discovery_interval = 1 s); a sixth
 * joins empty and fills up with the keys written before it existed.
 *
 * When a node (re)joins, its peers republish their last 10,000 own events
 * over MQTT (the replicator's rejoin replay). So that the oldest keys can
 * only arrive through anti-entropy with discovered peers, node-1 writes
 * OLD keys first and then 10,000 filler keys, pushing the old ones out of
 * its replay buffer.
 */
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { statNumber } from './harness/node-process.js';
import { report } from './harness/report.js';
import { cleanupClusters, withCluster } from './harness/scenario.js';
import { waitFor } from '@merklekv/test-support';
import type { NodeProcess } from './harness/node-process.js';

afterEach(cleanupClusters);
afterAll(cleanupClusters);

const OLD = 1500;
const FILLER = 10_000;
const KEYS = OLD + FILLER;

async function peersOf(node: NodeProcess): Promise<string[]> {
  const raw = (await node.stats())['anti_entropy_peers'] ?? '';
  return raw === '' ? [] : raw.split(',').sort();
}

describe('peer discovery', () => {
  it('lets a sixth node join empty and fill up through anti-entropy', async () => {
    await withCluster({ name: 'discovery', nodes: 5, broker: 'mosquitto', topology: 'discovery' }, async (cluster) => {
      for (const node of cluster.nodes) expect(node.spec.peers).toEqual([]);
      // Every node discovers the four others (their real client addresses).
      for (const node of cluster.nodes) {
        const others = cluster.nodes.filter((n) => n !== node).map((n) => `127.0.0.1:${n.port}`).sort();
        await waitFor(`${node.id} to discover its peers`, async () => (JSON.stringify(await peersOf(node)) === JSON.stringify(others) ? true : undefined), { timeoutMs: 10_000 });
      }
      // OLD keys, then FILLER keys, all on node-1, in batches of 500.
      for (let start = 0; start < KEYS; start += 500) {
        const entries = Array.from({ length: 500 }, (_, i) => [`k:${start + i}`, `v${start + i}`] as [string, string]);
        expect(await cluster.node(1).client().mset(entries)).toBe('OK');
      }
      const before = await cluster.waitConverged(40_000);
      expect(before.count).toBe(KEYS);

      const joinedAt = Date.now();
      const sixth = await cluster.addNode();
      expect(sixth.spec.peers).toEqual([]);
      const after = await cluster.waitConverged(40_000);
      const fillMs = Date.now() - joinedAt;
      expect(after.root).toBe(before.root);
      expect(await sixth.client().dbsize()).toBe(KEYS);
      expect(await sixth.client().get(`k:${KEYS - 1}`)).toBe(`v${KEYS - 1}`);
      const old = await sixth.client().mget(...Array.from({ length: OLD }, (_, i) => `k:${i}`));
      expect(old.filter((v, i) => v !== `v${i}`)).toEqual([]);

      const stats = await Promise.all(cluster.nodes.map((n) => n.stats()));
      const pulledBySixth = statNumber(stats[5] ?? {}, 'anti_entropy_keys_pulled');
      const pushedToSixth = stats.slice(0, 5).reduce((sum, s) => sum + statNumber(s, 'anti_entropy_keys_pushed'), 0);
      const receivedOverMqtt = statNumber(stats[5] ?? {}, 'replication_applied');
      report('discovery', { nodes: cluster.nodes.length, keys: KEYS, fill_ms: fillMs, pulledBySixth, pushedToSixth, appliedFromMqtt: receivedOverMqtt });
      // The OLD keys were no longer in any replay buffer: anti-entropy brought them.
      expect(pulledBySixth + pushedToSixth).toBeGreaterThanOrEqual(OLD);
      expect((await peersOf(sixth)).length).toBe(5);
    });
  }, 90_000);
});
