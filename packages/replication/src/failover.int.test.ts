/**
 * Broker failover: a connection given two brokers connects to the first that
 * answers and moves to the other when it loses its broker; a replicator on it
 * resubscribes and replays its recent events, so a peer on the second broker
 * receives what was published just before the loss.
 */
import { jest } from '@jest/globals';
import { Store } from '@merklekv/storage';
import { freePort, Mosquitto } from './__tests__/mosquitto.js';
import { waitFor } from './__tests__/wait-for.js';
import type { Logger } from './logger.js';
import { createMqttPubSub } from './mqtt-pubsub.js';
import { Replicator } from './replicator.js';

jest.setTimeout(30_000);

/** A logger that keeps `msg` and the `broker` field of every info line. */
function recordingLogger(lines: string[]): Logger {
  return {
    debug: () => undefined,
    info: (obj: object, msg?: string) => void lines.push(`${msg ?? ''} ${String((obj as { broker?: string }).broker ?? '')}`),
    warn: () => undefined,
    error: () => undefined,
  };
}

describe('broker failover (a list of brokers)', () => {
  it('skips a broker that does not answer and connects to the next', async () => {
    const dead = await freePort();
    const live = await Mosquitto.start();
    const pubsub = createMqttPubSub({ brokerUrl: [`tcp://127.0.0.1:${dead}`, live.url], clientId: 'skip-dead', reconnectBackoff: () => 20 });
    try {
      await waitFor('connected to the second broker', () => pubsub.connected);
      expect(pubsub.broker).toBe(live.url);
    } finally {
      await pubsub.close();
      await live.stop();
    }
  });

  it('moves to the second broker when the first dies, resubscribes, replays recent events and logs where it is', async () => {
    const first = await Mosquitto.start();
    const second = await Mosquitto.start();
    const prefix = `failover-${process.pid}`;
    const lines: string[] = [];
    const movingStore = new Store({ nodeId: 'mover' });
    const moving = createMqttPubSub({ brokerUrl: [first.url, second.url], clientId: 'mover', reconnectBackoff: () => 20, keepAlive: 5, logger: recordingLogger(lines) });
    const mover = new Replicator({ store: movingStore, nodeId: 'mover', topicPrefix: prefix, pubsub: moving });
    const peerStore = new Store({ nodeId: 'peer' });
    const peerPubsub = createMqttPubSub({ brokerUrl: second.url, clientId: 'peer', reconnectBackoff: () => 20 });
    const peer = new Replicator({ store: peerStore, nodeId: 'peer', topicPrefix: prefix, pubsub: peerPubsub });
    try {
      await mover.start();
      await peer.start();
      await waitFor('both connected', () => moving.connected && peerPubsub.connected);
      expect(moving.broker).toBe(first.url);
      // Published on the first broker only: the peer (on the second) cannot see it yet.
      movingStore.set('before', 'on-first');
      await waitFor('acknowledged by the first broker', () => mover.stats().publishedBatches >= 1);

      await first.kill();
      await waitFor('moved to the second broker', () => moving.connected && moving.broker === second.url);
      // The replay after the reconnect carries the event the peer never saw; a new write and a
      // write from the peer flow both ways through the renewed subscription.
      await waitFor('replayed event reached the peer', () => peerStore.get('before') === 'on-first');
      movingStore.set('after', 'on-second');
      peerStore.set('from-peer', 'hello');
      await waitFor('writes flow both ways', () => peerStore.get('after') === 'on-second' && movingStore.get('from-peer') === 'hello');
      expect(mover.stats()).toMatchObject({ reconnects: 1, dropped: 0 });
      expect(mover.stats().replayed).toBeGreaterThanOrEqual(1);
      expect(lines).toContain(`mqtt connected ${first.url}`);
      expect(lines).toContain(`mqtt connected ${second.url}`);
    } finally {
      await mover.stop();
      await peer.stop();
      await moving.close();
      await peerPubsub.close();
      await first.stop();
      await second.stop();
    }
  });

  it('wraps around: after the second broker dies it goes back to the first', async () => {
    const first = await Mosquitto.start();
    const second = await Mosquitto.start();
    const pubsub = createMqttPubSub({ brokerUrl: [first.url, second.url], clientId: 'wrapper', reconnectBackoff: () => 20 });
    try {
      await waitFor('on the first broker', () => pubsub.connected && pubsub.broker === first.url);
      await first.kill();
      await waitFor('on the second broker', () => pubsub.connected && pubsub.broker === second.url);
      await first.restart();
      await second.kill();
      await waitFor('back on the first broker', () => pubsub.connected && pubsub.broker === first.url);
    } finally {
      await pubsub.close();
      await first.stop();
      await second.stop();
    }
  });
});
