/**
 * Scenario 11: two bridged sites (the shipped deploy/mosquitto files), two
 * nodes on each. The link between the sites goes down: the bridge and every
 * cross-site peer link are cut, while clients keep writing on all four nodes.
 * Each side keeps serving and replicating within itself. The writes pile up
 * past the bridge's queue (max_queued_messages 1000), so the brokers drop
 * some. After the heal the bridge delivers what it kept, anti-entropy across
 * the sites repairs the rest, and every acknowledged write is on every node.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { History } from './harness/history.js';
import { statNumber, type NodeProcess } from './harness/node-process.js';
import { report } from './harness/report.js';
import { cleanupClusters, withCluster } from './harness/scenario.js';
import { verifyHistory } from './harness/verify.js';
import { sleep, waitFor } from './harness/wait.js';
import { ClientPool, runOperation, setOp, uniqueWriter } from './harness/workload.js';

afterEach(cleanupClusters);
afterAll(cleanupClusters);

/** Messages (batches) published so far by these nodes. */
async function batches(nodes: readonly NodeProcess[]): Promise<number> {
  const stats = await Promise.all(nodes.map((n) => n.stats()));
  return stats.reduce((sum, s) => sum + statNumber(s, 'replication_published_batches'), 0);
}

/** Past the shipped max_queued_messages (1000): the bridge's queue must overflow. */
const MESSAGES_DURING_CUT = 1500;

describe('the bridge between two sites is cut while both sides write', () => {
  it('keeps both sides serving, and converges after the heal with nothing lost', async () => {
    const dir = await withCluster({ name: 'bridge-cut', nodes: 4, broker: 'bridged', topology: 'static' }, async (cluster) => {
      const siteA = [cluster.node(1), cluster.node(2)];
      const siteB = [cluster.node(3), cluster.node(4)];
      const history = new History();
      const writers = cluster.nodes.map((node) => uniqueWriter(history, () => [node], 'w', node.id, 1));
      await sleep(1000);

      cluster.partitionSites();
      const cutAt = Date.now();
      const before = { a: await batches(siteA), b: await batches(siteB) };
      // Each side keeps serving and replicating within itself; nothing crosses.
      const probes = new ClientPool();
      expect(await runOperation(history, probes, 'probe', cluster.node(1), setOp('probe:a', 'side a'))).toBe('OK');
      expect(await runOperation(history, probes, 'probe', cluster.node(3), setOp('probe:b', 'side b'))).toBe('OK');
      probes.close();
      await waitFor('probe:a on node-2', async () => ((await cluster.node(2).client().get('probe:a')) === 'side a' ? true : undefined), { timeoutMs: 10_000 });
      await waitFor('probe:b on node-4', async () => ((await cluster.node(4).client().get('probe:b')) === 'side b' ? true : undefined), { timeoutMs: 10_000 });
      await waitFor(`${MESSAGES_DURING_CUT} messages published on each side during the cut`, async () => {
        const [a, b] = [(await batches(siteA)) - before.a, (await batches(siteB)) - before.b];
        return a >= MESSAGES_DURING_CUT && b >= MESSAGES_DURING_CUT ? true : undefined;
      }, { timeoutMs: 60_000, intervalMs: 250 });
      for (const i of [3, 4]) expect(await cluster.node(i).client().exists('probe:a')).toBe(0);
      for (const i of [1, 2]) expect(await cluster.node(i).client().exists('probe:b')).toBe(0);
      const cutMs = Date.now() - cutAt;

      cluster.healAll();
      await sleep(1000);
      const ops = (await Promise.all(writers.map((w) => w.stop()))).reduce((a, b) => a + b, 0);
      const converged = await cluster.waitConverged(60_000);
      const checked = await verifyHistory(cluster, history);
      expect(checked.atRiskWrites).toBe(0);
      for (const node of cluster.nodes) expect(await node.client().mget('probe:a', 'probe:b')).toEqual(['side a', 'side b']);

      // Anti-entropy repaired across the sites what the bridge did not deliver.
      const stats = await Promise.all(cluster.nodes.map((n) => n.stats()));
      const repaired = stats.reduce((sum, s) => sum + statNumber(s, 'anti_entropy_keys_repaired'), 0);
      expect(repaired).toBeGreaterThan(0);
      report('bridge-cut', { ops, acked: history.operations.filter((o) => o.outcome === 'ok').length, cut_ms: cutMs, converge_ms: converged.ms, keys: converged.count, ae_keys_repaired: repaired });
      return cluster.dir;
    });
    // The bridge's queues overflowed during the cut: the brokers say so (their logs are complete
    // once they have stopped, as mosquitto buffers its output).
    const brokerLog = ['a', 'b'].map((site) => readFileSync(join(dir, `broker-${site}`, `site-${site}.log`), 'utf8')).join('\n');
    expect(brokerLog).toMatch(/Outgoing messages are being dropped for client/);
  }, 150_000);
});
