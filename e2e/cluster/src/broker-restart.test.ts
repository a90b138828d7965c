/**
 * Scenario 4: the broker (mosquitto) is killed with SIGKILL and restarted
 * under write load. Writes made while it is away are queued by each node and
 * repaired by anti-entropy: no acknowledged write may be lost.
 */
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { History } from './harness/history.js';
import { report } from './harness/report.js';
import { cleanupClusters, withCluster } from './harness/scenario.js';
import { verifyHistory } from './harness/verify.js';
import { sleep } from '@merklekv/test-support';
import { statNumber } from './harness/node-process.js';
import { uniqueWriter } from './harness/workload.js';

afterEach(cleanupClusters);
afterAll(cleanupClusters);

describe('broker killed and restarted under write load', () => {
  it('loses no acknowledged write', async () => {
    await withCluster({ name: 'broker-restart', nodes: 3, broker: 'mosquitto', topology: 'static' }, async (cluster) => {
      const history = new History();
      const writers = [1, 2, 3].map((i) => uniqueWriter(history, () => cluster.nodes, 'w', `c${i}`));
      await sleep(1500);
      history.fault('kill -9 broker');
      await cluster.killBroker();
      await sleep(2000);
      await cluster.restartBroker();
      await sleep(2500);
      const ops = (await Promise.all(writers.map((w) => w.stop()))).reduce((a, b) => a + b, 0);

      const converged = await cluster.waitConverged(30_000);
      const checked = await verifyHistory(cluster, history);
      // With no node killed, every acknowledged write is durable and must be on every node.
      expect(checked.atRiskWrites).toBe(0);
      const acked = history.operations.filter((o) => o.outcome === 'ok');
      expect(acked.length).toBeGreaterThan(100);
      for (const node of cluster.nodes) {
        const keys = acked.map((o) => o.effects[0]?.key ?? '');
        const values = await node.client().mget(...keys);
        const missing = keys.filter((_, i) => values[i] !== acked[i]?.effects[0]?.value);
        expect({ node: node.id, missing: missing.slice(0, 10) }).toEqual({ node: node.id, missing: [] });
      }
      const stats = await Promise.all(cluster.nodes.map((n) => n.stats()));
      const reconnects = stats.map((s) => statNumber(s, 'replication_reconnects'));
      report('broker-restart', { ops, acked: acked.length, converge_ms: converged.ms, keys: converged.count, reconnects: reconnects.join('/') });
      for (const r of reconnects) expect(r).toBeGreaterThanOrEqual(1);
    });
  }, 90_000);
});
