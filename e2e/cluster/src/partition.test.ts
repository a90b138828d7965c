/**
 * Scenario 2: node-3 is cut from the broker and from its peers (every link
 * through a fault proxy) while clients write on both sides — disjoint keys
 * per side plus a few keys written on both. After healing, every replica is
 * identical and every shared key holds the LWW winner: the version with the
 * larger HLC timestamp (then node id) among the two sides' last writes, read
 * with GETV on each side just before the heal.
 */
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import type { WireVersion } from '@merklekv/client';
import { History } from './harness/history.js';
import { report } from './harness/report.js';
import { cleanupClusters, withCluster } from './harness/scenario.js';
import { verifyHistory } from './harness/verify.js';
import { sleep, waitFor } from '@merklekv/test-support';
import { ClientPool, runOperation, setOp } from './harness/workload.js';
import type { NodeProcess } from './harness/node-process.js';

afterEach(cleanupClusters);
afterAll(cleanupClusters);

const SHARED = ['shared:0', 'shared:1', 'shared:2', 'shared:3'];

/** LWW order of two versions: ts, then node id, then tombstone, then value (as the store merges). */
function newer(a: WireVersion, b: WireVersion): WireVersion {
  if (a.ts !== b.ts) return a.ts > b.ts ? a : b;
  if (a.node !== b.node) return a.node > b.node ? a : b;
  if (a.deleted !== b.deleted) return a.deleted ? a : b;
  return a.value >= b.value ? a : b;
}

describe('partition of one node', () => {
  it('heals to identical replicas holding every LWW winner', async () => {
    await withCluster({ name: 'partition', nodes: 3, broker: 'mosquitto', topology: 'static' }, async (cluster) => {
      const history = new History();
      const pool = new ClientPool();
      // Peers are reached only through the proxies (discovery is blanked on the broker links).
      for (const i of [1, 2, 3]) {
        const peers = (await cluster.node(i).stats())['anti_entropy_peers'] ?? '';
        expect(peers.split(',').sort()).toEqual([...cluster.node(i).spec.peers].sort());
      }

      cluster.isolate(3);
      history.impairStart('node-3');
      const majority = [cluster.node(1), cluster.node(2)];
      const minority = cluster.node(3);
      let seq = 0;
      const write = async (side: 'a' | 'b', node: NodeProcess, rounds: number): Promise<void> => {
        for (let r = 0; r < rounds; r++) {
          const n = seq++;
          await runOperation(history, pool, `client-${side}`, node, setOp(`${side}:${n}`, `${side}-${n}`));
          if (r % 5 === 0) {
            const key = SHARED[r % SHARED.length] as string;
            await runOperation(history, pool, `client-${side}`, node, setOp(key, `${side}-${n}`));
          }
          await sleep(10);
        }
      };
      await Promise.all([write('a', majority[0] as NodeProcess, 150), write('a', majority[1] as NodeProcess, 150), write('b', minority, 200)]);
      await sleep(1500); // several anti-entropy rounds: nothing may cross the cut

      // The partition held: no 'a:' key reached node-3, no 'b:' key reached the majority.
      const aKeys = history.operations.filter((o) => o.client === 'client-a').map((o) => o.effects[0]?.key ?? '').filter((k) => k.startsWith('a:'));
      const bKeys = history.operations.filter((o) => o.client === 'client-b').map((o) => o.effects[0]?.key ?? '').filter((k) => k.startsWith('b:'));
      expect(await minority.client().exists(...aKeys)).toBe(0);
      expect(await cluster.node(1).client().exists(...bKeys)).toBe(0);
      // The majority is consistent on its own.
      const sideA = await cluster.node(1).client().getv(SHARED);
      const sideB = await minority.client().getv(SHARED);

      cluster.healAll();
      history.impairEnd('node-3');
      const healedAt = Date.now();
      const converged = await cluster.waitConverged(40_000);
      const checked = await verifyHistory(cluster, history);

      for (const [i, key] of SHARED.entries()) {
        const a = sideA[i];
        const b = sideB[i];
        if (a === null || a === undefined || b === null || b === undefined) throw new Error(`${key} missing on a side before the heal`);
        const winner = newer(a, b);
        for (const node of cluster.nodes) {
          const [got] = await node.client().getv([key]);
          expect({ node: node.id, key, version: got }).toEqual({ node: node.id, key, version: winner });
        }
        // The winner is the last write of its side.
        const lastOnSide = history.operations.filter((o) => o.effects[0]?.key === key && o.client === `client-${winner.value.slice(0, 1)}`).at(-1);
        expect(lastOnSide?.effects[0]?.value).toBe(winner.value);
      }
      await waitFor('all a/b keys everywhere', async () => ((await cluster.node(3).client().exists(...aKeys)) === aKeys.length ? true : undefined), { timeoutMs: 5000 });
      pool.close();
      report('partition', { ops: history.operations.length, converge_ms: converged.ms, since_heal_ms: Date.now() - healedAt, keys: converged.count, durable: checked.durableWrites });
    });
  }, 90_000);
});
