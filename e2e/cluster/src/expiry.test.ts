/**
 * Key expiry across a real cluster (issue #16), three nodes on mosquitto with anti-entropy on:
 *
 * - SETEX on node-1 is visible on nodes 2 and 3, and gone on all three once it expires; the
 *   three roots then agree, with nothing but the original write sent (each node derives the
 *   expiry tombstone itself).
 * - A node that is down for a key's whole life (written with SETEX and expired while it is down)
 *   restarts with its own lmdb data, never serves the key, and ends with the same root as the
 *   others, while the key stays gone on them (anti-entropy never brings an expired value back).
 *   A key it held on disk with an expiry that passed while it was down is gone from its first
 *   answer after the restart.
 */
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { cleanupClusters, withCluster } from './harness/scenario.js';
import { sleep, waitFor } from './harness/wait.js';

afterEach(cleanupClusters);
afterAll(cleanupClusters);

describe('key expiry in a cluster', () => {
  it('SETEX on node-1 is visible on nodes 2 and 3 and gone on all three after it expires', async () => {
    await withCluster({ name: 'expiry-setex', nodes: 3, broker: 'mosquitto', topology: 'static', intervalSeconds: 2 }, async (cluster) => {
      const [n1, n2, n3] = [cluster.node(1), cluster.node(2), cluster.node(3)];
      const ttlMs = 3000;
      const written = Date.now();
      expect(await n1.client().psetex('session:1', ttlMs, 'token')).toBe('OK');
      expect(await n1.client().set('plain', 'stays')).toBe('OK');
      for (const n of [n2, n3]) {
        await waitFor(`session:1 on ${n.id}`, async () => ((await n.client().get('session:1')) === 'token' ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });
        // The expiry travelled with the value.
        const pttl = await n.client().pttl('session:1');
        expect(pttl).toBeGreaterThan(0);
        expect(pttl).toBeLessThanOrEqual(ttlMs);
      }
      // Gone everywhere once expired: poll every node until each stops serving it.
      for (const n of [n1, n2, n3]) {
        await waitFor(`session:1 to expire on ${n.id}`, async () => ((await n.client().get('session:1')) === null ? true : undefined), { timeoutMs: ttlMs + 10_000, intervalMs: 20 });
      }
      // Never earlier than its expiry (clocks are one machine's here), nor served after.
      expect(Date.now() - written).toBeGreaterThanOrEqual(ttlMs - 50);
      for (const n of [n1, n2, n3]) {
        expect(await n.client().exists('session:1')).toBe(0);
        expect(await n.client().ttl('session:1')).toBe(-2);
        expect(await n.client().get('plain')).toBe('stays');
        expect(await n.client().dbsize()).toBe(1);
      }
      const converged = await cluster.waitConverged(15_000);
      // plain + session:1's expiry tombstone.
      expect(converged.count).toBe(2);
      const infos = await Promise.all([n1, n2, n3].map((n) => n.client().info()));
      for (const info of infos) {
        expect(info['Expiry']?.['keys_with_expiry']).toBe('0');
        expect(Number(info['Expiry']?.['expired_keys_total'])).toBeGreaterThanOrEqual(1);
      }
    });
  }, 60_000);

  it('a node down during a key’s whole life, restarted, never serves it and ends with the same root', async () => {
    await withCluster(
      { name: 'expiry-down', nodes: 3, broker: 'mosquitto', topology: 'static', intervalSeconds: 1, persistent: [2] },
      async (cluster) => {
        const [n1, n2, n3] = [cluster.node(1), cluster.node(2), cluster.node(3)];
        // Node-2 holds an older value of the key (on disk) before it goes down, and a key with an
        // expiry that will pass while it is down.
        expect(await n1.client().set('lease', 'old-holder')).toBe('OK');
        expect(await n1.client().psetex('doomed', 4000, 'expires-while-down')).toBe('OK');
        for (const [key, value] of [['lease', 'old-holder'], ['doomed', 'expires-while-down']] as const) {
          await waitFor(`${key} on node-2`, async () => ((await n2.client().get(key)) === value ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });
        }
        await cluster.stopNode(2);

        // The key's whole life: set with an expiry on node-3, read, expired.
        expect(await n3.client().psetex('lease', 1500, 'new-holder')).toBe('OK');
        expect(await n3.client().psetex('flash', 1500, 'short-lived')).toBe('OK');
        await waitFor('lease on node-1', async () => ((await n1.client().get('lease')) === 'new-holder' ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });
        for (const n of [n1, n3]) {
          for (const key of ['lease', 'doomed']) {
            await waitFor(`${key} to expire on ${n.id}`, async () => ((await n.client().get(key)) === null ? true : undefined), { timeoutMs: 15_000, intervalMs: 20 });
          }
        }
        const before = await cluster.waitConverged(15_000);
        await sleep(300);

        // Node-2 comes back with its own data (lease = old-holder and doomed, now expired, on
        // disk). From its first answer on it must never serve doomed, flash or lease's
        // new-holder (the old lease value is legitimately its until it catches up), and it must
        // reach the same root.
        await cluster.restartNode(2);
        const seen = new Set<string>();
        const deadline = Date.now() + 20_000;
        let root = '';
        while (Date.now() < deadline) {
          const [lease, flash, doomed] = await n2.client().mget('lease', 'flash', 'doomed');
          if (lease !== null) seen.add(`lease=${lease}`);
          if (flash !== null) seen.add(`flash=${flash}`);
          if (doomed !== null) seen.add(`doomed=${doomed}`);
          const h = await n2.hash();
          root = h.root;
          if (h.root === before.root && h.count === before.count && lease === null) break;
          await sleep(20);
        }
        expect([...seen].filter((s) => s !== 'lease=old-holder')).toEqual([]);
        expect(root).toBe(before.root);
        const after = await cluster.waitConverged(15_000);
        expect(after.root).toBe(before.root);
        for (const n of [n1, n2, n3]) {
          expect(await n.client().mget('lease', 'flash', 'doomed')).toEqual([null, null, null]);
          expect(await n.client().dbsize()).toBe(0);
        }
      },
    );
  }, 90_000);
});
