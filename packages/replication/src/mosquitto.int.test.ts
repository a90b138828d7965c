import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { compareVersions, type VersionedRecord } from '@merklekv/storage';
import { clusterSuite } from './__tests__/cluster-suite.js';
import { snapshot, startCluster, stopCluster } from './__tests__/cluster.js';
import { Mosquitto } from './__tests__/mosquitto.js';
import { TcpProxy } from './__tests__/tcp-proxy.js';
import { waitFor } from './__tests__/wait-for.js';
import { createMqttPubSub } from './mqtt-pubsub.js';

jest.setTimeout(30_000);

describe('replication through mosquitto', () => {
  let broker: Mosquitto;

  beforeAll(async () => {
    broker = await Mosquitto.start();
  });

  afterAll(async () => {
    await broker.stop();
  });

  clusterSuite(() => `tcp://127.0.0.1:${broker.port}`);

  it('speaks MQTT 5 to mosquitto, so a client is not sent its own messages back (noLocal) while others get them', async () => {
    const a = createMqttPubSub({ brokerUrl: broker.url, clientId: `nl-a-${process.pid}` });
    const b = createMqttPubSub({ brokerUrl: broker.url, clientId: `nl-b-${process.pid}` });
    try {
      const gotA: string[] = [];
      const gotB: string[] = [];
      await a.subscribe('nl/t', (_t, p) => gotA.push(p.toString()));
      await b.subscribe('nl/t', (_t, p) => gotB.push(p.toString()));
      await waitFor('both connected', () => a.connected && b.connected);
      expect([a.protocolVersion, b.protocolVersion]).toEqual([5, 5]);
      await a.publish('nl/t', Buffer.from('from-a'));
      await b.publish('nl/t', Buffer.from('from-b'));
      await waitFor('each got the other one', () => gotA.length === 1 && gotB.length === 1);
      // a's publish was acknowledged before b's was sent, so an echo of a's own would have reached a before b's.
      expect({ gotA, gotB }).toEqual({ gotA: ['from-b'], gotB: ['from-a'] });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('loses no acknowledged write when the broker is killed and restarted during a stream of writes', async () => {
    const nodes = await startCluster(broker.url, 3, `mkv-crash-${process.pid}`);
    try {
      await waitFor('all nodes connected', () => nodes.every((n) => n.replicator.stats().connected));
      const reconnected = nodes.map(() => 0);
      nodes.forEach((n, i) => n.replicator.onReconnect(() => void (reconnected[i] = (reconnected[i] ?? 0) + 1)));
      const keys: string[] = [];
      let restart: Promise<void> | undefined;
      for (let i = 0; i < 600; i++) {
        const node = nodes[i % nodes.length];
        if (node === undefined) throw new Error('no node');
        const key = `w:${i % 250}`; // overwrites too, not only inserts
        if (i % 7 === 0) node.store.delete(key);
        else node.store.set(key, `${node.id}:${i}`);
        keys.push(key);
        if (i === 150) await broker.kill();
        if (i === 300) restart = broker.restart();
        if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await restart;
      await waitFor('every node reconnected', () => nodes.every((n) => n.replicator.stats().connected && n.replicator.stats().reconnects >= 1));
      // Every acknowledged write: each node's own records are the reference (a write is acknowledged
      // once the store returned); every other node must end up holding them or something newer.
      const own = new Map<string, VersionedRecord>();
      for (const n of nodes) {
        for (const k of new Set(keys)) {
          const v = n.store.getVersion(k);
          const held = own.get(k);
          if (v !== undefined && (held === undefined || compareVersions(v, held) > 0)) own.set(k, v);
        }
      }
      expect(own.size).toBe(250);
      const want = JSON.stringify([...own].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, { ...v }]));
      await waitFor('every write on every node', () => nodes.every((n) => JSON.stringify(snapshot(n, own.keys())) === want), 15_000);
      for (const n of nodes) expect(n.replicator.stats()).toMatchObject({ dropped: 0, rejected: 0 });
      expect(reconnected.every((c) => c >= 1)).toBe(true);
      expect(new Set(nodes.map((n) => n.store.tree.rootHex())).size).toBe(1);
    } finally {
      await stopCluster(nodes);
    }
  });
});

describe('createMqttPubSub options against mosquitto', () => {
  it('authenticates with username and password, and is refused with a wrong password', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mkv-auth-'));
    const passwd = join(dir, 'passwd');
    execFileSync('mosquitto_passwd', ['-c', '-b', passwd, 'alice', 's3cret']);
    // Run as root, mosquitto reads the password file after dropping to its own user.
    chmodSync(dir, 0o755);
    chmodSync(passwd, 0o644);
    const strict = await Mosquitto.start({ anonymous: false, extraConfig: `password_file ${passwd}\n` });
    const good = createMqttPubSub({ brokerUrl: strict.url, clientId: 'auth-ok', username: 'alice', password: 's3cret', reconnectBackoff: () => 50 });
    const bad = createMqttPubSub({ brokerUrl: strict.url, clientId: 'auth-bad', username: 'alice', password: 'wrong', reconnectBackoff: () => 50 });
    // A second authenticated client reads: MQTT 5's noLocal keeps a client's own messages from it.
    const reader = createMqttPubSub({ brokerUrl: strict.url, clientId: 'auth-reader', username: 'alice', password: 's3cret', reconnectBackoff: () => 50 });
    try {
      const got: string[] = [];
      await reader.subscribe('auth/t', (_t, p) => got.push(p.toString()));
      await waitFor('authenticated clients connected', () => good.connected && reader.connected);
      await good.publish('auth/t', Buffer.from('hi'));
      await waitFor('message received by the other authenticated client', () => got.includes('hi'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(bad.connected).toBe(false);
    } finally {
      await good.close();
      await reader.close();
      await bad.close();
      await strict.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('publishes the last will when the connection dies, not on a graceful close; reconnects with keep_alive', async () => {
    const broker = await Mosquitto.start();
    const proxy = await TcpProxy.start(broker.port);
    const watcher = await mqtt.connectAsync(broker.url, { clientId: 'will-watcher' });
    const wills: string[] = [];
    watcher.on('message', (_t, p) => wills.push(p.toString()));
    await watcher.subscribeAsync('wills/#', { qos: 1 });
    const backoffCalls: number[] = [];
    const pubsub = createMqttPubSub({
      brokerUrl: `tcp://127.0.0.1:${proxy.port}`,
      clientId: 'will-holder',
      keepAlive: 2,
      cleanSession: true,
      will: { topic: 'wills/will-holder', payload: Buffer.from('gone'), retain: false, qos: 1 },
      reconnectBackoff: (attempt) => {
        backoffCalls.push(attempt);
        return 30;
      },
    });
    const changes: boolean[] = [];
    pubsub.onConnectionChange((c) => changes.push(c));
    try {
      await waitFor('connected through the proxy', () => pubsub.connected);
      proxy.cut();
      await waitFor('will published', () => wills.includes('gone'));
      await waitFor('reconnected', () => pubsub.connected && changes.length >= 3);
      expect(changes.slice(0, 3)).toEqual([true, false, true]);
      expect(backoffCalls[0]).toBe(1);
      await pubsub.close();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(wills).toEqual(['gone']);
    } finally {
      await pubsub.close();
      await watcher.endAsync();
      await proxy.close();
      await broker.stop();
    }
  });
});
