import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient } from '@merklekv/client';
import type { MerkleKVClient } from '@merklekv/client';
import { runSession } from './session.js';
import { connectTcpPeer } from './tcp-peer.js';
import { BASE_TS, makeStore, version } from './__tests__/fixtures.js';
import { startNodeProcess } from './__tests__/node-process.js';
import type { NodeProcess } from './__tests__/node-process.js';

// Real nodes (apps/node as child processes, no broker, anti-entropy timer off).
describe('anti-entropy against real nodes', () => {
  let a: NodeProcess;
  let b: NodeProcess;
  let clientA: MerkleKVClient;
  let clientB: MerkleKVClient;

  beforeAll(async () => {
    [a, b] = await Promise.all([startNodeProcess('ae-node-a'), startNodeProcess('ae-node-b')]);
    clientA = createClient({ port: a.port, timeoutMs: 20_000 });
    clientB = createClient({ port: b.port, timeoutMs: 20_000 });
  }, 90_000);

  afterAll(async () => {
    await Promise.allSettled([clientA?.close(), clientB?.close()]);
    await Promise.allSettled([a?.stop(), b?.stop()]);
  }, 30_000);

  it('repairs a local store and a node with connectTcpPeer (protocol 2: PEERV, TREES, ENTRIES, RECORDS, GETV, PUTVS)', async () => {
    const local = makeStore('local');
    for (let i = 0; i < 200; i++) await clientB.set(`remote:${i}`, `value ${i}`);
    await clientB.set('quoted', ' spaces\nand newline ');
    await clientB.del('remote:7');
    for (let i = 0; i < 150; i++) local.merge(`local:${i}`, version(`v${i}`, BASE_TS + i, 'local'));
    local.merge('local:gone', version('', BASE_TS, 'local', true));

    const peer = connectTcpPeer(b.address, { getvBatch: 16 });
    const report = await runSession(local, peer);
    await peer.close();

    expect(report).toMatchObject({ pulled: 201, pushed: 151, inSync: false, skipped: 0, protocol: 2, confirmed: true });
    expect(report.bytes).toBeGreaterThan(0);
    expect(local.get('quoted')).toBe(' spaces\nand newline ');
    expect(local.get('remote:7')).toBeUndefined();
    expect(local.getVersion('remote:7')?.deleted).toBe(true);
    expect(await clientB.get('local:149')).toBe('v149');
    expect(await clientB.get('local:gone')).toBeNull();
    expect((await clientB.hash()).root).toBe(local.tree.rootHex());

    const again = connectTcpPeer(b.address);
    expect(await runSession(local, again)).toMatchObject({ rounds: 1, inSync: true });
    await again.close();
  }, 60_000);

  it('SYNC host:port converges two nodes', async () => {
    for (let i = 0; i < 50; i++) await clientA.set(`only-a:${i}`, `a${i}`);
    await clientA.set('both', 'from a');
    await new Promise((r) => setTimeout(r, 5)); // a later wall-clock ms, so b's write wins
    await clientB.set('both', 'from b, later');
    await clientA.set('deleted', 'x');
    await clientA.del('deleted');

    const reply = await clientA.sync(b.address);

    // a pulls b's 201 keys and the 151 the first test pushed there, plus 'both'; it pushes its 50 keys and the tombstone.
    expect(reply).toMatch(/^OK round_trips=\d+ bytes=\d+ keys_pulled=353 keys_pushed=51 ms=\d+ mode=(tree|bulk)$/);
    const [hashA, hashB] = await Promise.all([clientA.hash(), clientB.hash()]);
    expect(hashA.root).toBe(hashB.root);
    expect(await clientB.get('only-a:49')).toBe('a49');
    expect(await clientA.get('both')).toBe('from b, later');
    expect(await clientB.get('deleted')).toBeNull();
    expect(await clientA.sync(b.address)).toMatch(/^OK round_trips=1 .* mode=in-sync$/);
  }, 60_000);
});
