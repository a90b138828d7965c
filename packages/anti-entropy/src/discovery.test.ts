import { describe, expect, it } from '@jest/globals';
import { thrownCode } from './__tests__/fixtures.js';
import { LEAVE_TIMEOUT_MS, PeerDiscovery, discoveryTopic, discoveryWill, parseAnnouncement } from './discovery.js';
import { FakeClock, settle } from '@merklekv/test-support';
import { MemoryBroker } from './__tests__/memory-pubsub.js';

const PREFIX = 'test-kv';

function node(broker: MemoryBroker, timers: FakeClock, id: string, port: number): PeerDiscovery {
  const pubsub = broker.client(id, discoveryWill(PREFIX, id));
  return new PeerDiscovery({ pubsub, topicPrefix: PREFIX, nodeId: id, address: `127.0.0.1:${port}`, intervalMs: 60_000, timers });
}

describe('PeerDiscovery', () => {
  it('a graceful stop does not wait for a broker that never acknowledges the leaving (it went away too)', async () => {
    const timers = new FakeClock();
    const published: string[] = [];
    let connected = true;
    const pubsub = {
      get connected() {
        return connected;
      },
      publish: (topic: string) => {
        published.push(topic);
        // The first publish (the announcement) is acknowledged; the broker then goes away and never answers.
        if (published.length === 1) return Promise.resolve();
        connected = false;
        return new Promise<void>(() => undefined);
      },
      subscribe: async () => undefined,
      onConnectionChange: () => () => undefined,
    };
    const warnings: string[] = [];
    const logger = { debug: () => undefined, info: () => undefined, warn: (_o: object, msg: string) => warnings.push(msg), error: () => undefined };
    const n = new PeerDiscovery({ pubsub, topicPrefix: PREFIX, nodeId: 'node-1', address: '127.0.0.1:7001', intervalMs: 60_000, timers, logger });
    await n.start();
    let stopped = false;
    const stopping = n.stop({ leave: true }).then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    await timers.advance(LEAVE_TIMEOUT_MS);
    await stopping;
    expect(stopped).toBe(true);
    expect(published).toEqual([discoveryTopic(PREFIX, 'node-1'), discoveryTopic(PREFIX, 'node-1')]);
    expect(warnings).toEqual([expect.stringMatching(/did not acknowledge this node's leaving: stopping anyway/)]);
  });

  it('finds the other nodes, retained announcements included, and never lists itself', async () => {
    const broker = new MemoryBroker();
    const timers = new FakeClock();
    const n1 = node(broker, timers, 'node-1', 7001);
    const n2 = node(broker, timers, 'node-2', 7002);
    await n1.start();
    await n2.start();
    const n3 = node(broker, timers, 'node-3', 7003); // joins later: learns the others from retained messages
    await n3.start();

    expect(n1.peers()).toEqual(['127.0.0.1:7002', '127.0.0.1:7003']);
    expect(n2.peers()).toEqual(['127.0.0.1:7001', '127.0.0.1:7003']);
    expect(n3.peers()).toEqual(['127.0.0.1:7001', '127.0.0.1:7002']);
  });

  it('drops a node whose will fires, and a node that leaves gracefully', async () => {
    const broker = new MemoryBroker();
    const timers = new FakeClock();
    const n1 = node(broker, timers, 'node-1', 7001);
    const n2 = node(broker, timers, 'node-2', 7002);
    const n3 = node(broker, timers, 'node-3', 7003);
    for (const n of [n1, n2, n3]) await n.start();
    const changes: Array<readonly string[]> = [];
    n1.onChange((peers) => changes.push(peers));

    broker.crash('node-2');
    await n3.stop({ leave: true });

    expect(n1.peers()).toEqual([]);
    expect(changes).toEqual([['127.0.0.1:7003'], []]);
    // A newcomer does not see the departed nodes either.
    const n4 = node(broker, timers, 'node-4', 7004);
    await n4.start();
    expect(n4.peers()).toEqual(['127.0.0.1:7001']);
  });

  it('re-announces every interval, and survives a broker outage keeping the known peers', async () => {
    const broker = new MemoryBroker();
    const timers = new FakeClock();
    const n1 = node(broker, timers, 'node-1', 7001);
    const n2 = node(broker, timers, 'node-2', 7002);
    await n1.start();
    await n2.start();
    const before = broker.published;

    await timers.advance(60_000);
    expect(broker.published).toBe(before + 2);

    broker.down = true;
    await timers.advance(60_000);
    await settle();
    expect(n1.peers()).toEqual(['127.0.0.1:7002']);
    broker.down = false;
    await timers.advance(60_000);
    expect(broker.published).toBe(before + 4);

    await n1.stop();
    await n2.stop();
    expect(timers.pending).toBe(0);
  });

  it('ignores malformed and mismatched announcements', async () => {
    const broker = new MemoryBroker();
    const timers = new FakeClock();
    const n1 = node(broker, timers, 'node-1', 7001);
    await n1.start();
    const raw = broker.client('intruder');
    await raw.publish(discoveryTopic(PREFIX, 'x'), Buffer.from('not json'), { retain: true });
    await raw.publish(discoveryTopic(PREFIX, 'y'), Buffer.from(JSON.stringify({ nodeId: 'z', address: '1.2.3.4:5' })), { retain: true });
    await raw.publish(discoveryTopic(PREFIX, 'w'), Buffer.from(JSON.stringify({ nodeId: 'w', address: 'nope' })), { retain: true });
    await raw.publish(`${PREFIX}/updates`, Buffer.from('{}'), { retain: false });
    expect(n1.peers()).toEqual([]);
  });

  it('starts while the connection is down and announces itself once it comes up', async () => {
    const broker = new MemoryBroker();
    const timers = new FakeClock();
    const n1 = node(broker, timers, 'node-1', 7001);
    await n1.start();
    const client = broker.client('node-2', discoveryWill(PREFIX, 'node-2'));
    const listeners = new Set<(up: boolean) => void>();
    let connected = false;
    const pubsub = {
      get connected() {
        return connected;
      },
      publish: (topic: string, payload: Buffer, opts: { retain: boolean; qos?: 0 | 1 }) => client.publish(topic, payload, opts),
      subscribe: (filter: string, onMessage: (topic: string, payload: Buffer) => void) => client.subscribe(filter, onMessage),
      onConnectionChange(listener: (up: boolean) => void) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    const n2 = new PeerDiscovery({ pubsub, topicPrefix: PREFIX, nodeId: 'node-2', address: '127.0.0.1:7002', intervalMs: 60_000, timers });
    const before = broker.published;
    await n2.start();
    expect(broker.published).toBe(before);
    expect(n1.peers()).toEqual([]);

    connected = true;
    for (const listener of listeners) listener(true);
    await settle();
    expect(n1.peers()).toEqual(['127.0.0.1:7002']);
    await n2.stop();
    expect(listeners.size).toBe(0);
  });

  it('builds the last will: an empty retained payload on the node topic', () => {
    expect(discoveryWill('p', 'n1')).toEqual({ topic: 'p/nodes/n1', payload: Buffer.alloc(0), retain: true, qos: 1 });
  });

  it('validates its options', () => {
    const pubsub = new MemoryBroker().client('c');
    const base = { pubsub, topicPrefix: 'p', nodeId: 'n', address: '127.0.0.1:1', intervalMs: 1000 };
    expect(thrownCode(() => new PeerDiscovery({ ...base, nodeId: 'a/b' }))).toBe('INVALID_OPTION');
    expect(thrownCode(() => new PeerDiscovery({ ...base, address: 'x' }))).toBe('INVALID_ADDRESS');
    expect(thrownCode(() => new PeerDiscovery({ ...base, intervalMs: 0 }))).toBe('INVALID_OPTION');
  });
});

describe('parseAnnouncement', () => {
  it('accepts { nodeId, address } and nothing else', () => {
    expect(parseAnnouncement(Buffer.from('{"nodeId":"a","address":"h:1","extra":1}'))).toEqual({ nodeId: 'a', address: 'h:1' });
    expect(parseAnnouncement(Buffer.from('null'))).toBeUndefined();
    expect(parseAnnouncement(Buffer.from('{"nodeId":"a"}'))).toBeUndefined();
    expect(parseAnnouncement(Buffer.from('{"nodeId":"","address":"h:1"}'))).toBeUndefined();
  });
});
