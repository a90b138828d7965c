import { jest } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { freePort } from './__tests__/mosquitto.js';
import { waitFor } from './__tests__/wait-for.js';
import { startEmbeddedBroker } from './embedded-broker.js';
import { ReplicationErrorCode } from './errors.js';
import { createMqttPubSub } from './mqtt-pubsub.js';

jest.setTimeout(20_000);

describe('createMqttPubSub and startEmbeddedBroker', () => {
  it('keeps trying until a broker appears, then activates subscriptions made while offline', async () => {
    const port = await freePort();
    const subscriber = createMqttPubSub({ brokerUrl: `tcp://127.0.0.1:${port}`, clientId: 'late-sub', reconnectBackoff: () => 30 });
    const got: string[] = [];
    await subscriber.subscribe('late/+', (topic, payload) => got.push(`${topic}=${payload.toString()}`));
    expect(subscriber.connected).toBe(false);
    await expect(subscriber.publish('late/x', Buffer.from('no'))).rejects.toMatchObject({ code: ReplicationErrorCode.NOT_CONNECTED });
    const broker = await startEmbeddedBroker({ host: '127.0.0.1', port });
    const publisher = createMqttPubSub({ brokerUrl: `mqtt://127.0.0.1:${port}`, clientId: 'late-pub' });
    try {
      await waitFor('both connected', () => subscriber.connected && publisher.connected);
      await publisher.publish('late/a', Buffer.from('1'), { qos: 1 });
      await publisher.publish('other/b', Buffer.from('2'), { qos: 0 });
      await waitFor('message delivered', () => got.length === 1);
      expect(got).toEqual(['late/a=1']);
    } finally {
      await subscriber.close();
      await publisher.close();
      await broker.close();
    }
  });

  it('close() of the embedded broker releases its port and drops its clients', async () => {
    const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
    const client = createMqttPubSub({ brokerUrl: `tcp://127.0.0.1:${broker.port}`, clientId: 'dropped', reconnectBackoff: () => 10_000 });
    const changes: boolean[] = [];
    client.onConnectionChange((c) => changes.push(c));
    await waitFor('connected', () => client.connected);
    await broker.close();
    await waitFor('disconnected', () => !client.connected);
    expect(changes).toEqual([true, false]);
    const again = await startEmbeddedBroker({ host: '127.0.0.1', port: broker.port });
    expect(again.port).toBe(broker.port);
    await client.close();
    await again.close();
  });

  it('connects to ws:// brokers', async () => {
    const aedes = await Aedes.createBroker();
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    wss.on('connection', (socket) => aedes.handle(createWebSocketStream(socket)));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as AddressInfo;
    const pubsub = createMqttPubSub({ brokerUrl: `ws://127.0.0.1:${port}`, clientId: 'ws-client' });
    try {
      await waitFor('connected over WebSocket', () => pubsub.connected);
      const got: string[] = [];
      await pubsub.subscribe('ws/t', (_t, p) => got.push(p.toString()));
      await pubsub.publish('ws/t', Buffer.from('over-ws'));
      await waitFor('echo', () => got.length === 1);
      expect(got).toEqual(['over-ws']);
      // aedes refuses MQTT 5: the client asked again in 3.1.1, where its own messages come back.
      expect(pubsub.protocolVersion).toBe(4);
    } finally {
      await pubsub.close();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });
});
