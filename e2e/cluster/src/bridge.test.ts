/**
 * Scenario 10: two mosquitto brokers bridged by the shipped configuration
 * (deploy/mosquitto/site-a.conf, site-b.conf; ports changed only), two nodes
 * on each. Writes on both sides reach every node over the bridge, the roots
 * converge, discovery (retained announcements) sees all four nodes on both
 * sides, and a node killed with -9 is cleared on both sides by its last will.
 */
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { History } from './harness/history.js';
import { statNumber, type NodeProcess } from './harness/node-process.js';
import { report } from './harness/report.js';
import { cleanupClusters, withCluster } from './harness/scenario.js';
import { verifyHistory } from './harness/verify.js';
import { sleep, waitFor } from './harness/wait.js';
import { uniqueWriter } from './harness/workload.js';

afterEach(cleanupClusters);
afterAll(cleanupClusters);

async function peersOf(node: NodeProcess): Promise<string[]> {
  const raw = (await node.stats())['anti_entropy_peers'] ?? '';
  return raw === '' ? [] : raw.split(',').sort();
}

describe('two bridged brokers, two nodes on each', () => {
  it('converges across the bridge, discovers all four nodes, and clears a dead node on both sides', async () => {
    await withCluster({ name: 'bridge', nodes: 4, broker: 'bridged', topology: 'discovery' }, async (cluster) => {
      expect([1, 2, 3, 4].map((i) => cluster.siteOf(i))).toEqual(['a', 'a', 'b', 'b']);
      const addressOf = (n: NodeProcess): string => `127.0.0.1:${n.port}`;
      for (const node of cluster.nodes) {
        const others = cluster.nodes.filter((n) => n !== node).map(addressOf).sort();
        await waitFor(`${node.id} to discover the three others`, async () => (JSON.stringify(await peersOf(node)) === JSON.stringify(others) ? true : undefined), { timeoutMs: 15_000 });
      }

      const history = new History();
      const writers = cluster.nodes.map((node) => uniqueWriter(history, () => [node], 'w', node.id));
      await sleep(3000);
      const ops = (await Promise.all(writers.map((w) => w.stop()))).reduce((a, b) => a + b, 0);
      const converged = await cluster.waitConverged(30_000);
      const checked = await verifyHistory(cluster, history);
      expect(checked.atRiskWrites).toBe(0);
      const acked = history.operations.filter((o) => o.outcome === 'ok');
      expect(acked.length).toBeGreaterThan(200);
      // Every key is unique: one record per acknowledged write, plus any write whose reply was lost.
      const unknown = history.operations.filter((o) => o.outcome === 'unknown').length;
      expect(converged.count).toBeGreaterThanOrEqual(acked.length);
      expect(converged.count).toBeLessThanOrEqual(acked.length + unknown);

      // The writes travelled over MQTT, across the bridge too: each node applied from the broker
      // nearly every write of the three others (anti-entropy would have had to repair the rest).
      const stats = await Promise.all(cluster.nodes.map((n) => n.stats()));
      stats.forEach((s, k) => {
        const others = acked.filter((o) => o.node !== `node-${k + 1}`).length;
        expect({ node: k + 1, mostly_over_mqtt: statNumber(s, 'replication_applied') >= 0.9 * others }).toEqual({ node: k + 1, mostly_over_mqtt: true });
      });

      // kill -9 of node-4 (site b): its last will clears its announcement on both brokers.
      const dead = cluster.node(4);
      await cluster.killNode(4);
      for (const i of [1, 2, 3]) {
        await waitFor(`node-${i} to forget node-4`, async () => ((await peersOf(cluster.node(i))).includes(addressOf(dead)) ? undefined : true), { timeoutMs: 10_000 });
      }
      report('bridge', {
        ops,
        acked: acked.length,
        converge_ms: converged.ms,
        applied_over_mqtt: stats.map((s) => statNumber(s, 'replication_applied')).join('/'),
        ae_keys_repaired: stats.map((s) => statNumber(s, 'anti_entropy_keys_repaired')).join('/'),
      });
    });
  }, 90_000);
});
