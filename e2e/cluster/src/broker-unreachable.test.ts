/**
 * A node that never reaches the broker stays in sync through anti-entropy
 * alone. Node-3's broker link (its fault proxy to mosquitto) is cut before
 * it first starts and stays cut; nodes 1 and 2 replicate over MQTT. Clients
 * write on every node — node-3 included — for about 10 s: unique keys per
 * client, and DELs of some of their own earlier keys. Every write made
 * anywhere must reach every node (node-3's writes reach 1 and 2, theirs reach
 * node-3, only through anti-entropy sessions), and all roots must agree
 * within a few intervals after the writes stop. Node-3's INFO must show the
 * broker disconnected at every sample taken during the test, nothing
 * received over MQTT, and anti-entropy keys pulled and pushed.
 */
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import type { Cluster } from './harness/cluster.js';
import type { NodeProcess } from './harness/node-process.js';
import { report } from './harness/report.js';
import { cleanupClusters, withCluster } from './harness/scenario.js';
import { sleep } from '@merklekv/test-support';
import { readAll } from './harness/workload.js';

afterEach(cleanupClusters);
afterAll(cleanupClusters);

/** `[anti_entropy] interval_seconds`. */
const INTERVAL_S = 2;
const WRITE_MS = 10_000;
/**
 * Convergence after the writes stop: three intervals (a session already
 * running may have compared its trees before the last writes; the next round
 * on each node carries them), plus 1 s for sessions that repair the backlog
 * on a 2-core machine shared with the other nodes and mosquitto.
 */
const CONVERGE_BOUND_MS = 3 * INTERVAL_S * 1000 + 1000;

/** What one client wrote: its keys' final states (null = deleted). */
interface Written {
  readonly node: string;
  readonly final: Map<string, string | null>;
  /** When each key was SET (acknowledged). */
  readonly setAt: Map<string, number>;
  sets: number;
  dels: number;
}

/** One client writing on `node` until `until`: unique keys, every 7th op a DEL of one of its earlier keys. */
async function writeUntil(node: NodeProcess, until: number): Promise<Written> {
  const client = node.client();
  const out: Written = { node: node.id, final: new Map(), setAt: new Map(), sets: 0, dels: 0 };
  let seq = 0;
  while (Date.now() < until) {
    seq++;
    if (seq % 7 === 0) {
      const victim = `${node.id}:${String(seq - 5)}`;
      expect(await client.del(victim)).toBe(true);
      out.final.set(victim, null);
      out.dels++;
    } else {
      const key = `${node.id}:${String(seq)}`;
      expect(await client.set(key, `v${seq}@${node.id}`)).toBe('OK');
      out.final.set(key, `v${seq}@${node.id}`);
      out.setAt.set(key, Date.now());
      out.sets++;
    }
    await sleep(4);
  }
  return out;
}

/** Samples node-3's broker connection state every 250 ms until stopped. */
function watchBroker(node: NodeProcess): { stop: () => Promise<string[]> } {
  const samples: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const info = await node.client().info();
      samples.push(info['Replication']?.['connected'] ?? 'missing');
      await sleep(250);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}

/** How many of `keys` node `i` holds right now. */
async function holds(cluster: Cluster, i: number, keys: readonly string[]): Promise<number> {
  return keys.length === 0 ? 0 : cluster.node(i).client().exists(...keys);
}

describe('a node that cannot reach the broker', () => {
  it('exchanges every write with the cluster through anti-entropy alone', async () => {
    await withCluster(
      { name: 'broker-unreachable', nodes: 3, broker: 'mosquitto', topology: 'static', intervalSeconds: INTERVAL_S, brokerCutFromStart: [3] },
      async (cluster) => {
        const node3 = cluster.node(3);
        for (const i of [1, 2, 3]) {
          const peers = (await cluster.node(i).stats())['anti_entropy_peers'] ?? '';
          expect(peers.split(',').sort()).toEqual([...cluster.node(i).spec.peers].sort());
        }
        const watch = watchBroker(node3);

        const started = Date.now();
        const written = await Promise.all(cluster.nodes.map((n) => writeUntil(n, started + WRITE_MS)));
        const stoppedAt = Date.now();
        cluster.event('writes stopped');
        // Anti-entropy keeps up while the writes go on: when they stop, node-3
        // already holds every live key the others wrote more than three intervals
        // earlier, and node-1 every such key of node-3.
        const older = (w: Written): string[] => [...w.final].filter(([k, v]) => v !== null && (w.setAt.get(k) ?? stoppedAt) < stoppedAt - 3 * INTERVAL_S * 1000).map(([k]) => k);
        const othersOlder = [...older(written[0] as Written), ...older(written[1] as Written)];
        const node3Older = older(written[2] as Written);
        const othersOnNode3 = await holds(cluster, 3, othersOlder);
        const node3OnNode1 = await holds(cluster, 1, node3Older);

        const converged = await cluster.waitConverged(30_000);
        const samples = await watch.stop();

        // Every write made anywhere is on every node: same live keys and values, deleted keys absent.
        const expected = new Map<string, string | null>();
        for (const w of written) for (const [k, v] of w.final) expected.set(k, v);
        const live = new Map([...expected].filter(([, v]) => v !== null) as Array<[string, string]>);
        const deleted = [...expected].filter(([, v]) => v === null).map(([k]) => k);
        for (const node of cluster.nodes) {
          expect({ node: node.id, state: await readAll(node) }).toEqual({ node: node.id, state: live });
          expect({ node: node.id, deletedPresent: await node.client().exists(...deleted) }).toEqual({ node: node.id, deletedPresent: 0 });
        }
        expect(converged.count).toBe(expected.size);

        const infos = await Promise.all(cluster.nodes.map((n) => n.client().info()));
        const ae = infos.map((info) => info['Anti-Entropy'] ?? {});
        const repl = infos.map((info) => info['Replication'] ?? {});
        const n3 = { ae: ae[2] ?? {}, repl: repl[2] ?? {} };
        report('broker-unreachable', {
          write_ms: stoppedAt - started,
          converge_after_writes_ms: converged.ms,
          bound_ms: CONVERGE_BOUND_MS,
          records: converged.count,
          live: live.size,
          sets: written.map((w) => `${w.node}=${w.sets}`).join(','),
          dels: written.map((w) => `${w.node}=${w.dels}`).join(','),
          others_older_keys_on_node3_at_stop: `${othersOnNode3}/${othersOlder.length}`,
          node3_older_keys_on_node1_at_stop: `${node3OnNode1}/${node3Older.length}`,
          broker_samples_node3: `${samples.filter((s) => s === 'false').length}/${samples.length} disconnected`,
          node3_keys_pulled: n3.ae['keys_pulled'] ?? '?',
          node3_keys_pushed: n3.ae['keys_pushed'] ?? '?',
          node3_sessions: n3.ae['sessions'] ?? '?',
          node3_failures: n3.ae['failures'] ?? '?',
          node3_mqtt_received: n3.repl['received'] ?? '?',
          node1_mqtt_applied: repl[0]?.['applied'] ?? '?',
          node2_mqtt_applied: repl[1]?.['applied'] ?? '?',
        });

        // Node-3 never reached the broker: no connection got through its link,
        // every INFO sample said disconnected, nothing arrived over MQTT.
        expect(cluster.brokerLink(3)?.forwarded).toBe(0);
        expect(samples.length).toBeGreaterThan(WRITE_MS / 500);
        expect(samples.filter((s) => s !== 'false')).toEqual([]);
        expect(n3.repl['connected']).toBe('false');
        expect(Number(n3.repl['received'])).toBe(0);
        // ...so anti-entropy carried both directions.
        expect(Number(n3.ae['keys_pulled'])).toBeGreaterThan(0);
        expect(Number(n3.ae['keys_pushed']) + Number(ae[0]?.['keys_pulled']) + Number(ae[1]?.['keys_pulled'])).toBeGreaterThanOrEqual((written[2] as Written).final.size);
        expect(Number(n3.ae['keys_pushed'])).toBeGreaterThan(0);
        // Nodes 1 and 2 did replicate over MQTT between themselves.
        expect(Number(repl[0]?.['applied'])).toBeGreaterThan(0);
        expect(Number(repl[1]?.['applied'])).toBeGreaterThan(0);
        // Anti-entropy kept up during the writes, and all roots agreed soon after they stopped.
        expect(othersOlder.length).toBeGreaterThan(0);
        expect(node3Older.length).toBeGreaterThan(0);
        expect(othersOnNode3).toBe(othersOlder.length);
        expect(node3OnNode1).toBe(node3Older.length);
        expect(converged.ms).toBeLessThanOrEqual(CONVERGE_BOUND_MS);
      },
    );
  }, 60_000);
});
