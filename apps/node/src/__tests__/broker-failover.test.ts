/**
 * A node given two brokers runs on the first and, when it goes away, moves to
 * the second: replication carries on with a peer that was on the second all
 * along, and STATS names the broker the node is on.
 */
import { jest } from '@jest/globals';
import { createClient, noRetry } from '@merklekv/client';
import { startEmbeddedBroker, type EmbeddedBroker } from '@merklekv/replication';
import type { RunningNode } from '../node.js';
import { freePort, startTestNode } from './harness.js';

jest.setTimeout(30_000);

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function brokerOf(node: RunningNode): Promise<string | undefined> {
  const client = createClient({ port: node.port, retry: noRetry });
  try {
    return (await client.stats())['replication_broker'];
  } finally {
    await client.close();
  }
}

describe('a node with a list of two brokers', () => {
  let first: EmbeddedBroker;
  let second: EmbeddedBroker;
  let mover: RunningNode;
  let peer: RunningNode;

  beforeAll(async () => {
    first = await startEmbeddedBroker({ host: '127.0.0.1', port: await freePort() });
    second = await startEmbeddedBroker({ host: '127.0.0.1', port: await freePort() });
    mover = await startTestNode({ mqtt: { broker_address: [`tcp://127.0.0.1:${first.port}`, `tcp://127.0.0.1:${second.port}`], keep_alive: 5 } }, 'mover');
    peer = await startTestNode({ mqtt: { broker_address: `tcp://127.0.0.1:${second.port}` } }, 'peer');
  });

  afterAll(async () => {
    await mover.stop();
    await peer.stop();
    await second.close();
    await first.close().catch(() => undefined);
  });

  it('continues on the second broker when the first goes away', async () => {
    await eventually(async () => (await brokerOf(mover)) === `tcp://127.0.0.1:${first.port}`);
    await first.close();
    await eventually(async () => (await brokerOf(mover)) === `tcp://127.0.0.1:${second.port}`);
    mover.store.set('failover:k', 'after the move');
    await eventually(() => peer.store.get('failover:k') === 'after the move');
    peer.store.set('failover:back', 'from the peer');
    await eventually(() => mover.store.get('failover:back') === 'from the peer');
  });
});
