import { createClient, type MerkleKVClient } from '@merklekv/client';
import type { RunningNode } from '../node.js';
import { startTestNode } from './harness.js';

// SYNC host:port between two nodes, each starting empty (moved from
// packages/anti-entropy: it tests the node's SYNC command, not the package).
describe('SYNC host:port', () => {
  let a: RunningNode;
  let b: RunningNode;
  let clientA: MerkleKVClient;
  let clientB: MerkleKVClient;

  beforeAll(async () => {
    // Enabled (for SYNC) with an interval long enough that no session starts by itself.
    a = await startTestNode({ anti_entropy: { enabled: true, interval_seconds: 86_400 } }, 'sync-a');
    b = await startTestNode({ anti_entropy: { enabled: true, interval_seconds: 86_400 } }, 'sync-b');
    clientA = createClient({ port: a.port, timeoutMs: 20_000 });
    clientB = createClient({ port: b.port, timeoutMs: 20_000 });
  });

  afterAll(async () => {
    await Promise.allSettled([clientA?.close(), clientB?.close()]);
    await Promise.allSettled([a?.stop(), b?.stop()]);
  });

  it('converges two nodes: pulls what only the peer has and the newer version, pushes its own keys and tombstones', async () => {
    for (let i = 0; i < 100; i++) await clientB.set(`only-b:${i}`, `b${i}`);
    for (let i = 0; i < 50; i++) await clientA.set(`only-a:${i}`, `a${i}`);
    await clientA.set('both', 'from a');
    await new Promise((r) => setTimeout(r, 5)); // a later wall-clock ms, so b's write wins
    await clientB.set('both', 'from b, later');
    await clientA.set('deleted', 'x');
    await clientA.del('deleted');

    const reply = await clientA.sync(`127.0.0.1:${b.port}`);

    // a pulls b's 100 keys plus the newer 'both'; it pushes its 50 keys and the tombstone.
    expect(reply).toMatch(/^OK round_trips=\d+ bytes=\d+ keys_pulled=101 keys_pushed=51 ms=\d+ mode=(tree|bulk)$/);
    const [hashA, hashB] = await Promise.all([clientA.hash(), clientB.hash()]);
    expect(hashA.root).toBe(hashB.root);
    expect(await clientB.get('only-a:49')).toBe('a49');
    expect(await clientA.get('only-b:99')).toBe('b99');
    expect(await clientA.get('both')).toBe('from b, later');
    expect(await clientB.get('deleted')).toBeNull();
    expect(await clientA.sync(`127.0.0.1:${b.port}`)).toMatch(/^OK round_trips=1 .* mode=in-sync$/);
  }, 60_000);
});
