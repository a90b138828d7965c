/**
 * Scenario 12: broker failover. Two bridged brokers (the shipped
 * deploy/mosquitto files); node-1 is given both, site a's first
 * (`broker_address = [a, b]`), node-2 both with site b's first, node-3 site
 * b's only. Under write load on every node, site a's broker is killed with
 * -9: node-1 moves to site b's broker and carries on. No acknowledged write
 * may be lost (no node was killed, so the history checker exempts nothing).
 */
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { History } from './harness/history.js';
import { statNumber } from './harness/node-process.js';
import { report } from './harness/report.js';
import { cleanupClusters, withCluster } from './harness/scenario.js';
import { verifyHistory } from './harness/verify.js';
import { sleep, waitFor } from './harness/wait.js';
import { uniqueWriter } from './harness/workload.js';

afterEach(cleanupClusters);
afterAll(cleanupClusters);

describe('a node with a list of two brokers', () => {
  it('continues on the second when the first dies under load, losing no acknowledged write', async () => {
    await withCluster({ name: 'broker-failover', nodes: 3, broker: 'bridged', topology: 'static', sites: [['a', 'b'], ['b', 'a'], ['b']] }, async (cluster) => {
      const onA = `tcp://127.0.0.1:${cluster.brokerLinkTo(1, 'a').port}`;
      const onB = `tcp://127.0.0.1:${cluster.brokerLinkTo(1, 'b').port}`;
      const brokerOf = async (): Promise<string | undefined> => (await cluster.node(1).stats())['replication_broker'];
      expect(await brokerOf()).toBe(onA);

      const history = new History();
      const writers = cluster.nodes.map((node) => uniqueWriter(history, () => [node], 'w', node.id));
      await sleep(1500);
      history.fault('kill -9 broker of site a');
      const killedAt = Date.now();
      await cluster.killBroker('a');
      await waitFor('node-1 on the broker of site b', async () => ((await brokerOf()) === onB ? true : undefined), { timeoutMs: 15_000, intervalMs: 50 });
      const movedMs = Date.now() - killedAt;
      await sleep(2500);
      const ops = (await Promise.all(writers.map((w) => w.stop()))).reduce((a, b) => a + b, 0);

      const converged = await cluster.waitConverged(30_000);
      const checked = await verifyHistory(cluster, history);
      expect(checked.atRiskWrites).toBe(0);
      const acked = history.operations.filter((o) => o.outcome === 'ok');
      // Every key is unique: one record per acknowledged write, plus any write whose reply was lost.
      const unknown = history.operations.filter((o) => o.outcome === 'unknown').length;
      expect(converged.count).toBeGreaterThanOrEqual(acked.length);
      expect(converged.count).toBeLessThanOrEqual(acked.length + unknown);
      // node-1 kept accepting writes after the kill, and they reached the others over the second broker.
      const node1After = acked.filter((o) => o.node === 'node-1' && o.invokeMs > killedAt + movedMs).length;
      expect(node1After).toBeGreaterThan(50);
      const stats = await Promise.all(cluster.nodes.map((n) => n.stats()));
      expect(statNumber(stats[0] ?? {}, 'replication_reconnects')).toBeGreaterThanOrEqual(1);
      expect(stats[0]?.['replication_connected']).toBe('true');
      report('broker-failover', {
        ops,
        acked: acked.length,
        moved_ms: movedMs,
        node1_writes_after_move: node1After,
        converge_ms: converged.ms,
        replayed: statNumber(stats[0] ?? {}, 'replication_replayed'),
        ae_keys_repaired: stats.map((s) => statNumber(s, 'anti_entropy_keys_repaired')).join('/'),
      });
    });
  }, 90_000);
});
