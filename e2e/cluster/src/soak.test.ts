/**
 * Scenario 5: a bounded, seedable randomized soak (E2E_SEED; E2E_SOAK_SECONDS,
 * default 45). Several clients run random SET/DEL/INCR/APPEND/MSET/GET on
 * random nodes while a fault loop cuts links (a node from everything, one
 * broker link, one peer link), delays links, kills and restarts nodes and
 * kills and restarts the broker. After healing, all replicas must converge
 * and the history checker must explain every key's final value.
 */
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import type { Cluster } from './harness/cluster.js';
import { History } from './harness/history.js';
import { Random, seedFromEnv } from './harness/random.js';
import { report } from './harness/report.js';
import { cleanupClusters, withCluster } from './harness/scenario.js';
import { randomOperation } from './harness/soak-ops.js';
import { verifyHistory } from './harness/verify.js';
import { sleep } from '@merklekv/test-support';
import { ClientPool, runOperation } from './harness/workload.js';

afterEach(cleanupClusters);
afterAll(cleanupClusters);

const SEED = seedFromEnv();
const SECONDS = Number(process.env['E2E_SOAK_SECONDS'] ?? 45);
const NODES = 3;
const CLIENTS = 4;

/** Injects one random fault, holds it, and undoes it. */
async function oneFault(cluster: Cluster, history: History, rng: Random): Promise<void> {
  const i = rng.between(1, NODES);
  const id = `node-${i}`;
  const hold = rng.between(800, 3500);
  const kind = rng.pick(['isolate', 'broker-link', 'peer-link', 'delay', 'kill', 'kill', 'broker'] as const);
  history.fault(`${kind} ${kind === 'broker' ? '' : id} for ${hold} ms`);
  switch (kind) {
    case 'isolate':
      history.impairStart(id);
      cluster.isolate(i);
      await sleep(hold);
      cluster.healAll();
      history.impairEnd(id);
      return;
    case 'broker-link': {
      history.impairStart(id);
      cluster.event(`cut ${id}->broker`);
      cluster.brokerLink(i)?.cut();
      await sleep(hold);
      cluster.healAll();
      history.impairEnd(id);
      return;
    }
    case 'peer-link': {
      const j = (i % NODES) + 1;
      cluster.event(`cut peer link ${id}->node-${j}`);
      cluster.peerLink(i, j).cut();
      await sleep(hold);
      cluster.healAll();
      return;
    }
    case 'delay': {
      const ms = rng.between(20, 300);
      cluster.event(`delay every link of ${id} by ${ms} ms`);
      for (const link of cluster.linksOf(i)) link.delay(ms);
      await sleep(hold);
      cluster.healAll();
      return;
    }
    case 'kill':
      await cluster.killNode(i);
      history.killed(id); // once it is gone: replies may arrive until the signal lands
      await sleep(hold);
      await cluster.restartNode(i);
      return;
    case 'broker':
      for (const n of cluster.nodes) history.impairStart(n.id);
      await cluster.killBroker();
      await sleep(hold);
      await cluster.restartBroker();
      for (const n of cluster.nodes) history.impairEnd(n.id);
      return;
  }
}

describe('randomized soak', () => {
  it(`converges and explains every final value (seed ${SEED})`, async () => {
    process.stdout.write(`[e2e] soak: E2E_SEED=${SEED} (${SECONDS} s)\n`);
    await withCluster({ name: 'soak', nodes: NODES, broker: 'mosquitto', topology: 'static' }, async (cluster) => {
      cluster.event(`soak seed ${SEED}`);
      const history = new History();
      const startedAt = Date.now();
      const rng = new Random(SEED);
      const deadline = Date.now() + SECONDS * 1000;
      let running = true;
      const clients = Array.from({ length: CLIENTS }, (_, c) => {
        const crng = new Random((SEED + 7919 * (c + 1)) >>> 0);
        const pool = new ClientPool();
        const name = `c${c + 1}`;
        return (async () => {
          for (let seq = 1; running; seq++) {
            const node = cluster.node(crng.between(1, NODES));
            await runOperation(history, pool, name, node, randomOperation(crng, name, seq));
            await sleep(crng.between(2, 15));
          }
          pool.close();
        })();
      });
      let faults = 0;
      while (Date.now() < deadline) {
        await oneFault(cluster, history, rng);
        faults++;
        await sleep(rng.between(500, 2000));
      }
      running = false;
      await Promise.all(clients);

      // Heal: every link up, the broker and every node running.
      cluster.healAll();
      if (cluster.broker && !cluster.broker.running) await cluster.restartBroker();
      for (const [k, node] of cluster.nodes.entries()) if (!node.running) await cluster.restartNode(k + 1);
      const converged = await cluster.waitConverged(60_000);
      const checked = await verifyHistory(cluster, history);
      const byOutcome = (o: string): number => history.operations.filter((op) => op.outcome === o).length;
      report('soak', {
        seed: SEED,
        ops: history.operations.length,
        ok: byOutcome('ok'),
        failed: byOutcome('failed'),
        unknown: byOutcome('unknown'),
        faults,
        converge_ms: converged.ms,
        keys: checked.keys,
        durable_writes: checked.durableWrites,
        at_risk: checked.atRiskWrites,
        at_risk_lost: checked.atRiskLost,
      });
      process.stdout.write(`[e2e] soak faults: ${history.faults.map((f) => f.replace(/^\+(\d+)/, (_m, t: string) => `+${((Number(t) - startedAt) / 1000).toFixed(1)}s`)).join(' | ')}\n`);
      expect(faults).toBeGreaterThan(3);
      expect(byOutcome('ok')).toBeGreaterThan(500);
    });
  }, 180_000);
});
