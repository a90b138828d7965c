/**
 * Scenario 3: kill -9 of a node under write load, then a restart on the same
 * ports. The memory engine comes back empty and no MQTT session survives
 * (clean_session), so only anti-entropy can refill it; the cluster must
 * converge and keep every acknowledged write that had left the killed node.
 */
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { History } from './harness/history.js';
import { report } from './harness/report.js';
import { cleanupClusters, withCluster } from './harness/scenario.js';
import { verifyHistory } from './harness/verify.js';
import { sleep, waitFor } from './harness/wait.js';
import { statNumber } from './harness/node-process.js';
import { readAll, uniqueWriter } from './harness/workload.js';

afterEach(cleanupClusters);
afterAll(cleanupClusters);

describe('kill -9 of a node under write load', () => {
  it('refills the restarted node through anti-entropy and converges', async () => {
    await withCluster({ name: 'node-kill', nodes: 3, broker: 'mosquitto', topology: 'static' }, async (cluster) => {
      const history = new History();
      const writers = [1, 2, 3].map((i) => uniqueWriter(history, () => cluster.nodes.filter((n) => n.running), 'w', `c${i}`));
      await sleep(2000);
      // Under load the writers may land fewer keys in 2 s: wait (bounded) until node-2 holds
      // enough that losing them all shows, rather than assume a rate.
      const beforeKill = await waitFor(
        'node-2 to hold more than 50 keys before the kill',
        async () => {
          const size = (await readAll(cluster.node(2))).size;
          return size > 50 ? size : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      await cluster.killNode(2);
      // Recorded once the process is gone: a reply may arrive between the decision and the signal.
      history.killed('node-2');
      await sleep(1500);
      await cluster.restartNode(2);
      // What its storage held when it started, from its own `storage loaded` log line (logged
      // before it listens): reading the node instead would race catch-up, which takes ~10 ms.
      const loadedAtRestart = cluster.node(2).loadedRecords;
      const sizeAfterRestart = (await readAll(cluster.node(2))).size;
      await sleep(2000);
      const ops = (await Promise.all(writers.map((w) => w.stop()))).reduce((a, b) => a + b, 0);

      const converged = await cluster.waitConverged(30_000);
      const checked = await verifyHistory(cluster, history);
      const stats = await Promise.all(cluster.nodes.map((n) => n.stats()));
      const repaired = statNumber(stats[1] ?? {}, 'anti_entropy_keys_pulled') + statNumber(stats[0] ?? {}, 'anti_entropy_keys_pushed') + statNumber(stats[2] ?? {}, 'anti_entropy_keys_pushed');
      const replayed = statNumber(stats[0] ?? {}, 'replication_replayed') + statNumber(stats[2] ?? {}, 'replication_replayed');
      const onNode2 = await readAll(cluster.node(2));
      report('node-kill', {
        ops,
        keysOnNode2BeforeKill: beforeKill,
        recordsLoadedAtRestart: loadedAtRestart ?? -1,
        keysOnNode2JustAfterRestart: sizeAfterRestart,
        converge_ms: converged.ms,
        keys: converged.count,
        atRisk: checked.atRiskWrites,
        atRiskLost: checked.atRiskLost,
        repairedByAntiEntropy: repaired,
        replayedOnRejoin: replayed,
      });

      expect(beforeKill).toBeGreaterThan(50);
      // It came back with nothing (memory engine): everything it holds now was repaired.
      expect(cluster.node(2).starts).toBe(2);
      expect(loadedAtRestart).toBe(0);
      // ...and now holds every key the others hold (converged), through anti-entropy and the peers' replay on rejoin.
      expect(onNode2.size).toBe(converged.count);
      expect(onNode2.size).toBeGreaterThan(beforeKill);
      expect(repaired + replayed).toBeGreaterThan(0);
      expect(checked.durableWrites).toBeGreaterThan(100);
    });
  }, 90_000);
});
