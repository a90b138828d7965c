/**
 * Replication across two mosquitto brokers bridged by the shipped
 * configuration (deploy/mosquitto/site-a.conf and site-b.conf, ports
 * changed only). A bridge delivers QoS 1 messages at least once and re-sends
 * what was in flight when it reconnects; merging is idempotent, so duplicates
 * cost nothing, and a node recognises its own batches when they come back.
 */
import { jest } from '@jest/globals';
import { createHash } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { BridgedPair, startHubAndSpokes } from './__tests__/bridged-mosquitto.js';
import { Store } from '@merklekv/storage';
import { snapshot, stopCluster, type ClusterNode } from './__tests__/cluster.js';
import { TcpProxy } from './__tests__/tcp-proxy.js';
import { waitFor } from './__tests__/wait-for.js';
import { createMqttPubSub } from './mqtt-pubsub.js';
import { Replicator } from './replicator.js';

jest.setTimeout(40_000);

/** Waits until a message published on one broker arrives on the other (the bridge is up). */
async function waitBridged(from: string, to: string, topic: string): Promise<void> {
  const sub = await mqtt.connectAsync(to, { clientId: `probe-sub-${process.pid}` });
  const pub = await mqtt.connectAsync(from, { clientId: `probe-pub-${process.pid}` });
  let seen = false;
  sub.on('message', () => void (seen = true));
  await sub.subscribeAsync(topic, { qos: 1 });
  try {
    const deadline = Date.now() + 15_000;
    while (!seen) {
      if (Date.now() > deadline) throw new Error(`nothing published on ${from} reached ${to} through the bridge`);
      await pub.publishAsync(topic, 'probe', { qos: 1 });
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await sub.endAsync();
    await pub.endAsync();
  }
}

/** A store and its replicator, connected to the broker at `url`. */
async function startNode(url: string, id: string, topicPrefix: string): Promise<ClusterNode> {
  const store = new Store({ nodeId: id });
  const pubsub = createMqttPubSub({ brokerUrl: url, clientId: `${id}-${process.pid}`, reconnectBackoff: () => 50, keepAlive: 5 });
  const replicator = new Replicator({ store, nodeId: id, topicPrefix, pubsub });
  await replicator.start();
  return { id, store, pubsub, replicator };
}

describe('replication across the shipped mosquitto bridge', () => {
  let pair: BridgedPair;

  beforeAll(async () => {
    pair = await BridgedPair.start();
  });

  afterAll(async () => {
    await pair.stop();
  });

  it('converges under duplicated and re-sent QoS 1 messages, and ignores a node\'s own batches coming back', async () => {
    const prefix = `merkle-kv/bridge-dup-${process.pid}`;
    await waitBridged(pair.a.url, pair.b.url, `${prefix}/probe`);
    await waitBridged(pair.b.url, pair.a.url, `${prefix}/probe`);
    const siteA = await startNode(pair.a.url, 'node-a', prefix);
    const siteB = await startNode(pair.b.url, 'node-b', prefix);
    const nodes = [siteA, siteB];
    // Every batch seen on site B is published twice more on site A (once each): the
    // duplicates a bridge may deliver, and each node's own batches coming back to it.
    const duplicator: MqttClient = await mqtt.connectAsync(pair.b.url, { clientId: `dup-${process.pid}` });
    const toA: MqttClient = await mqtt.connectAsync(pair.a.url, { clientId: `dup-out-${process.pid}` });
    const seen = new Set<string>();
    let duplicated = 0;
    duplicator.on('message', (topic, payload) => {
      const digest = createHash('sha256').update(payload).digest('hex');
      if (seen.has(digest)) return;
      seen.add(digest);
      duplicated++;
      for (let i = 0; i < 2; i++) void toA.publishAsync(topic, payload, { qos: 1 });
    });
    await duplicator.subscribeAsync(`${prefix}/updates`, { qos: 1 });
    try {
      await waitFor('both nodes connected', () => nodes.every((n) => n.pubsub.connected));
      const keys: string[] = [];
      const bridgeConnections = pair.bridge.connections;
      for (let i = 0; i < 400; i++) {
        const node = nodes[i % 2] as ClusterNode;
        const key = `k:${i % 150}`; // both sides write the same keys: LWW decides
        if (i % 9 === 0) node.store.delete(key);
        else node.store.set(key, `${node.id}@${i % 2 === 0 ? 'A' : 'B'}:${i}`);
        keys.push(key);
        if (i === 200) pair.bridge.cut(); // the bridge reconnects and re-sends what was in flight
        if (i % 20 === 0) await new Promise((r) => setTimeout(r, 5));
      }
      const [a, b] = [siteA, siteB];
      await waitFor('both sides hold the same records', () => JSON.stringify(snapshot(a, keys)) === JSON.stringify(snapshot(b, keys)), 20_000);
      // The bridge was cut mid-stream and came back (a second connection through its proxy).
      expect(pair.bridge.connections).toBeGreaterThanOrEqual(bridgeConnections + 1);
      expect(a.store.tree.rootHex()).toBe(b.store.tree.rootHex());
      expect(duplicated).toBeGreaterThan(0);
      for (const n of nodes) {
        const s = n.replicator.stats();
        expect({ node: n.id, rejected: s.rejected, failed: s.failed, dropped: s.dropped }).toEqual({ node: n.id, rejected: 0, failed: 0, dropped: 0 });
        // Duplicates were merged as no-ops, and the node's own batches came back and were recognised.
        expect(s.stale).toBeGreaterThan(0);
        expect(s.ownIgnored).toBeGreaterThan(0);
      }
    } finally {
      await duplicator.endAsync();
      await toA.endAsync();
      await stopCluster(nodes);
    }
  });

  it('recognises an old batch of a node, replayed through the bridge, as its own and does not apply it', async () => {
    const prefix = `merkle-kv/bridge-own-${process.pid}`;
    await waitBridged(pair.b.url, pair.a.url, `${prefix}/probe`);
    const node = await startNode(pair.a.url, 'node-own', prefix);
    const capture = await mqtt.connectAsync(pair.b.url, { clientId: `capture-${process.pid}` });
    const captured: Buffer[] = [];
    capture.on('message', (_t, payload) => captured.push(payload));
    await capture.subscribeAsync(`${prefix}/updates`, { qos: 1 });
    try {
      await waitFor('connected', () => node.pubsub.connected);
      node.store.set('own', 'old');
      await waitFor('the batch crossed to site B', () => captured.length >= 1);
      node.store.set('own', 'new');
      await waitFor('the second batch crossed too', () => captured.length >= 2);
      const before = node.replicator.stats();
      await capture.publishAsync(`${prefix}/updates`, captured[0] as Buffer, { qos: 1 }); // site B → bridge → site A
      await waitFor('the old batch came back and was recognised', () => node.replicator.stats().ownIgnored > before.ownIgnored);
      expect(node.replicator.stats()).toMatchObject({ received: before.received, applied: before.applied, stale: before.stale });
      expect(node.store.get('own')).toBe('new');
    } finally {
      await capture.endAsync();
      await stopCluster([node]);
    }
  });

  it('carries retained announcements across, and a last will clears them on both sides', async () => {
    const prefix = `merkle-kv/bridge-disc-${process.pid}`;
    const topic = `${prefix}/nodes/n1`;
    await waitBridged(pair.a.url, pair.b.url, `${prefix}/probe`);
    // The announcing node reaches site A through a proxy, so it can vanish without a DISCONNECT.
    const link = await TcpProxy.start(pair.a.port);
    const announcer = createMqttPubSub({
      brokerUrl: `tcp://127.0.0.1:${link.port}`,
      clientId: `announcer-${process.pid}`,
      keepAlive: 5,
      reconnectBackoff: () => 60_000,
      will: { topic, payload: Buffer.alloc(0), retain: true, qos: 1 },
    });
    /** What a client subscribing now on `url` gets for `{prefix}/nodes/+` before a marker published after its SUBACK. */
    const retainedOn = async (url: string): Promise<string[]> => {
      const c = await mqtt.connectAsync(url, { clientId: `late-${Math.random().toString(16).slice(2)}` });
      const got: string[] = [];
      let marked = false;
      c.on('message', (t, p) => (t.endsWith('/marker') ? (marked = true) : got.push(`${t}=${p.toString()}`)));
      await c.subscribeAsync({ [`${prefix}/nodes/+`]: { qos: 1 }, [`${prefix}/marker`]: { qos: 1 } });
      await c.publishAsync(`${prefix}/marker`, 'm', { qos: 1 });
      await waitFor('marker', () => marked);
      await c.endAsync();
      return got;
    };
    const live: MqttClient[] = [];
    try {
      await waitFor('announcer connected', () => announcer.connected);
      await announcer.publish(topic, Buffer.from('{"nodeId":"n1","address":"10.0.0.1:7878"}'), { retain: true, qos: 1 });
      const announced = `${topic}={"nodeId":"n1","address":"10.0.0.1:7878"}`;
      let onB: string[] = [];
      const deadline = Date.now() + 10_000;
      while (!(onB = await retainedOn(pair.b.url)).includes(announced) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(onB).toEqual([announced]);
      expect(await retainedOn(pair.a.url)).toEqual([announced]);

      // Watchers on both sides, then the node dies: the will (empty, retained) reaches both.
      const cleared: string[] = [];
      for (const [side, url] of [['A', pair.a.url], ['B', pair.b.url]] as const) {
        const w = await mqtt.connectAsync(url, { clientId: `watch-${side}-${process.pid}` });
        w.on('message', (t, p) => {
          if (t === topic && p.length === 0) cleared.push(side);
        });
        await w.subscribeAsync(`${prefix}/nodes/+`, { qos: 1 });
        live.push(w);
      }
      link.cut();
      await link.close();
      await waitFor('the will cleared the announcement on both sides', () => cleared.includes('A') && cleared.includes('B'));
      expect(await retainedOn(pair.a.url)).toEqual([]);
      expect(await retainedOn(pair.b.url)).toEqual([]);
    } finally {
      for (const w of live) await w.endAsync();
      await announcer.close();
      await link.close().catch(() => undefined);
    }
  });

  it('is loop-safe: every message arrives exactly once on each side, and a hub relays between its spokes', async () => {
    const count = async (url: string, topic: string, got: string[]): Promise<MqttClient> => {
      const c = await mqtt.connectAsync(url, { clientId: `count-${Math.random().toString(16).slice(2)}` });
      c.on('message', (_t, p) => got.push(p.toString()));
      await c.subscribeAsync(topic, { qos: 1 });
      return c;
    };
    const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 500)); // a loop would multiply messages well within this
    const expectOnce = (got: readonly string[], sent: readonly string[]): void => expect([...got].sort()).toEqual([...sent].sort());

    const prefix = `merkle-kv/loop-${process.pid}`;
    await waitBridged(pair.a.url, pair.b.url, `${prefix}/probe`);
    const onA: string[] = [];
    const onB: string[] = [];
    const clients = [await count(pair.a.url, `${prefix}/updates`, onA), await count(pair.b.url, `${prefix}/updates`, onB)];
    const hubAndSpokes = await startHubAndSpokes();
    try {
      const sent: string[] = [];
      for (const [i, url] of [pair.a.url, pair.b.url, pair.a.url, pair.b.url].entries()) {
        const pub = await mqtt.connectAsync(url, { clientId: `loop-pub-${i}` });
        for (let j = 0; j < 25; j++) {
          const body = `m${i}-${j}`;
          sent.push(body);
          await pub.publishAsync(`${prefix}/updates`, body, { qos: 1 });
        }
        await pub.endAsync();
      }
      await waitFor('every message on both sides', () => onA.length >= sent.length && onB.length >= sent.length);
      await settle();
      expectOnce(onA, sent);
      expectOnce(onB, sent);

      // Hub and spokes: a message from one spoke reaches the hub and the other spoke, once each.
      const { hub, spokes } = hubAndSpokes;
      await waitBridged(spokes[0].url, spokes[1].url, `${prefix}/probe`);
      const seen: Record<'hub' | 'b' | 'c', string[]> = { hub: [], b: [], c: [] };
      clients.push(await count(hub.url, `${prefix}/updates`, seen.hub), await count(spokes[0].url, `${prefix}/updates`, seen.b), await count(spokes[1].url, `${prefix}/updates`, seen.c));
      const relayed: string[] = [];
      for (const [i, url] of [spokes[0].url, spokes[1].url, hub.url].entries()) {
        const pub = await mqtt.connectAsync(url, { clientId: `spoke-pub-${i}` });
        for (let j = 0; j < 20; j++) {
          relayed.push(`s${i}-${j}`);
          await pub.publishAsync(`${prefix}/updates`, `s${i}-${j}`, { qos: 1 });
        }
        await pub.endAsync();
      }
      await waitFor('every message on the hub and both spokes', () => Object.values(seen).every((got) => got.length >= relayed.length));
      await settle();
      for (const got of Object.values(seen)) expectOnce(got, relayed);
    } finally {
      for (const c of clients) await c.endAsync();
      await hubAndSpokes.stop();
    }
  });
});
