import { MerkleTree, versionDigest } from '@merklekv/merkle';
import { createMqttPubSub, decodeBatch, startEmbeddedBroker, type EmbeddedBroker, type PubSub } from '@merklekv/replication';
import { waitFor } from '@merklekv/test-support';
import { floorBackend } from './floor-backend.js';

describe('floor backend', () => {
  it('keeps its Merkle tree equal to one built from the versions it holds', async () => {
    const floor = await floorBackend();
    try {
      for (let i = 0; i < 500; i++) floor.set(`k${i % 137}`, `v${i}`);
      expect(floor.get('k3')).toBe('v414');
      expect(floor.get('missing')).toBeUndefined();
      // Rebuild from scratch with the digests of the held versions: same root.
      const rebuilt = new MerkleTree();
      const versions = floor.versions();
      for (const [key, v] of versions) rebuilt.update(key, null, versionDigest(key, v.value, v.ts, v.node, false, 0));
      expect(versions.size).toBe(137);
      expect(floor.tree.size).toBe(137);
      expect(floor.tree.rootHex()).toBe(rebuilt.rootHex());
      expect(floor.published()).toEqual({ batches: 0, events: 0, failed: 0 });
    } finally {
      await floor.close();
    }
  });

  describe('with a broker', () => {
    let broker: EmbeddedBroker;
    let listener: PubSub;
    const payloads: Buffer[] = [];
    beforeAll(async () => {
      broker = await startEmbeddedBroker({ port: 0 });
      listener = createMqttPubSub({ brokerUrl: `mqtt://127.0.0.1:${broker.port}`, clientId: 'floor-test-listener' });
      await listener.subscribe('floor-test/updates', (_topic, payload) => payloads.push(payload));
      await waitFor('the listener connected', () => listener.connected, { timeoutMs: 5000 });
    });
    afterAll(async () => {
      await listener.close();
      await broker.close();
    });

    it('publishes every write, newest version last, in the replication wire format', async () => {
      const floor = await floorBackend({ brokerUrl: `mqtt://127.0.0.1:${broker.port}`, topicPrefix: 'floor-test' });
      try {
        for (let i = 0; i < 300; i++) floor.set(`key:${i % 50}`, `value-${i}`);
        await waitFor('every write acknowledged', () => floor.published().events === 300, { timeoutMs: 5000 });
        await waitFor('every batch received', () => payloads.reduce((n, p) => n + countEvents(p), 0) === floor.published().events, { timeoutMs: 5000 });
        const latest = new Map<string, string>();
        for (const p of payloads) {
          const decoded = decodeBatch(p);
          if (!decoded.ok) throw decoded.error;
          expect(decoded.batch.node).toBe('floor');
          for (const e of decoded.batch.events) latest.set(e.key, e.record.value);
        }
        expect(latest.size).toBe(50);
        for (let k = 0; k < 50; k++) expect(latest.get(`key:${k}`)).toBe(floor.get(`key:${k}`));
        expect(floor.published().failed).toBe(0);
      } finally {
        await floor.close();
      }
    });
  });
});

function countEvents(payload: Buffer): number {
  const decoded = decodeBatch(payload);
  return decoded.ok ? decoded.batch.events.length : 0;
}
