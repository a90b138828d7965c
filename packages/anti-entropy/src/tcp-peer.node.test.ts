import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient } from '@merklekv/client';
import type { MerkleKVClient } from '@merklekv/client';
import { runSession } from './session.js';
import { connectTcpPeer } from './tcp-peer.js';
import { BASE_TS, makeStore, version } from './__tests__/fixtures.js';
import { startNode } from '@merklekv/test-support';
import type { NodeProcess } from '@merklekv/test-support';

// The TCP adapter against a real node (apps/node as a child process, no broker,
// anti-entropy timer off). SYNC between two nodes is the node's own test
// (apps/node/src/__tests__/sync-converge.test.ts).
describe('anti-entropy against a real node', () => {
  let b: NodeProcess;
  let clientB: MerkleKVClient;

  beforeAll(async () => {
    b = await startNode({ nodeId: 'ae-node-b', logLevel: 'warn', startTimeoutMs: 60_000 });
    clientB = createClient({ port: b.port, timeoutMs: 20_000 });
  }, 90_000);

  afterAll(async () => {
    await clientB?.close();
    await b?.stop();
  }, 30_000);

  it('repairs a local store and a node with connectTcpPeer (protocol 3: PEERV, PTREES, PENTRIES, RECORDS, GETV, PUTVS)', async () => {
    const local = makeStore('local');
    for (let i = 0; i < 200; i++) await clientB.set(`remote:${i}`, `value ${i}`);
    await clientB.set('quoted', ' spaces\nand newline ');
    await clientB.del('remote:7');
    for (let i = 0; i < 150; i++) local.merge(`local:${i}`, version(`v${i}`, BASE_TS + i, 'local'));
    local.merge('local:gone', version('', BASE_TS, 'local', true));

    const peer = connectTcpPeer(`127.0.0.1:${b.port}`, { getvBatch: 16 });
    const report = await runSession(local, peer);
    await peer.close();

    expect(report).toMatchObject({ pulled: 201, pushed: 151, inSync: false, skipped: 0, protocol: 3, confirmed: true });
    expect(report.bytes).toBeGreaterThan(0);
    expect(local.get('quoted')).toBe(' spaces\nand newline ');
    expect(local.get('remote:7')).toBeUndefined();
    expect(local.getVersion('remote:7')?.deleted).toBe(true);
    expect(await clientB.get('local:149')).toBe('v149');
    expect(await clientB.get('local:gone')).toBeNull();
    expect((await clientB.hash()).root).toBe(local.tree.rootHex());

    const again = connectTcpPeer(`127.0.0.1:${b.port}`);
    expect(await runSession(local, again)).toMatchObject({ rounds: 1, inSync: true });
    await again.close();
  }, 60_000);
});
