import { randomBytes } from 'node:crypto';
import { AuthenticationError, createClient, noRetry } from '@merklekv/client';
import { encodeBatch, createMqttPubSub, signPayload, type PubSub } from '@merklekv/replication';
import type { RunningNode } from '../node.js';
import { freePort, LineClient, startTestNode } from './harness.js';

const SECRET = 'the-cluster-secret-0123456789';

/** Polls `check` until it returns true (bounded). */
async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function statsOf(node: RunningNode, secret = SECRET): Promise<Record<string, string>> {
  const client = createClient({ port: node.port, peerSecret: secret, retry: noRetry });
  const stats = await client.stats();
  await client.close();
  return stats;
}

describe('signed replication (two nodes with a cluster secret on an embedded broker)', () => {
  let a: RunningNode;
  let b: RunningNode;
  let intruder: PubSub;
  let brokerPort: number;

  beforeAll(async () => {
    brokerPort = await freePort();
    a = await startTestNode({ mqtt: { broker_address: 'embedded', embedded_port: brokerPort }, security: { cluster_secret: SECRET } }, 'sec-a');
    b = await startTestNode({ mqtt: { broker_address: `mqtt://127.0.0.1:${brokerPort}` }, security: { cluster_secret: SECRET } }, 'sec-b');
    intruder = createMqttPubSub({ brokerUrl: `mqtt://127.0.0.1:${brokerPort}`, clientId: 'intruder' });
    await eventually(() => intruder.connected);
  }, 30_000);

  afterAll(async () => {
    await intruder.close();
    await b.stop();
    await a.stop();
  });

  it('replicates signed batches between the nodes', async () => {
    a.store.set('signed:1', 'from a');
    await eventually(() => b.store.get('signed:1') === 'from a');
  });

  it('rejects and counts an unsigned batch and a forged one published by a raw MQTT client', async () => {
    const before = Number((await statsOf(b))['replication_rejected']);
    const ts = Date.now() * 1024;
    const batch = encodeBatch('mallory', [{ key: 'evil', record: { value: 'injected', ts, node: 'mallory', deleted: false } }]);
    await intruder.publish('merkle-kv/updates', batch, { qos: 1 });
    await intruder.publish('merkle-kv/updates', signPayload(batch, 'a-guessed-wrong-cluster-secret'), { qos: 1 });
    await eventually(async () => Number((await statsOf(b))['replication_rejected']) >= before + 2);
    // A later genuine write still arrives: the rejected ones are simply gone.
    a.store.set('signed:2', 'after');
    await eventually(() => b.store.get('signed:2') === 'after');
    expect(b.store.getVersion('evil')).toBeUndefined();
    expect(a.store.getVersion('evil')).toBeUndefined();
    expect(Number((await statsOf(a))['replication_rejected'])).toBeGreaterThanOrEqual(2);
  });
});

describe('peer authentication of the tree and repair commands', () => {
  let a: RunningNode;
  let b: RunningNode;
  let other: RunningNode;

  beforeAll(async () => {
    a = await startTestNode({ security: { cluster_secret: SECRET } }, 'peer-a');
    b = await startTestNode({ security: { cluster_secret: SECRET } }, 'peer-b');
    other = await startTestNode({ security: { cluster_secret: 'a-different-cluster-secret' } }, 'peer-other');
    for (let i = 0; i < 20; i++) b.store.set(`b:${i}`, `value ${i}`);
  });

  afterAll(async () => {
    await Promise.all([a.stop(), b.stop(), other.stop()]);
  });

  it('a stranger without the secret cannot use HASH, TREE, LEAF, GETV, PUTV or SYNC (plain commands still work)', async () => {
    const c = await LineClient.open(b.port);
    for (const command of ['HASH', 'TREE -', 'LEAF 0.0.0.0', 'GETV b:1', 'PUTV b:1 99999999999999 x 0 evil', `SYNC 127.0.0.1:${a.port}`]) {
      expect(await c.call(command)).toBe('ERROR: Authentication required');
    }
    expect(await c.call('GET b:1')).toBe('value 1'); // no client passwords on this node
    // Guessing a proof, with or without a challenge, fails.
    expect(await c.call(`AUTH peer ${randomBytes(32).toString('hex')}`)).toBe('ERROR: Invalid credentials');
    const challenge = await c.call(`AUTH peer challenge:${randomBytes(16).toString('hex')}`);
    expect(challenge).toMatch(/^CHALLENGE [0-9a-f]{32} [0-9a-f]{64}$/);
    expect(await c.call(`AUTH peer ${randomBytes(32).toString('hex')}`)).toBe('ERROR: Invalid credentials');
    expect(await c.call('GETV b:1')).toBe('ERROR: Authentication required');
    expect(b.store.get('b:1')).toBe('value 1');
    c.close();
  });

  it('a client holding another secret is refused (and refuses the node)', async () => {
    const client = createClient({ port: b.port, peerSecret: 'a-different-cluster-secret', retry: noRetry });
    await expect(client.hash()).rejects.toBeInstanceOf(AuthenticationError);
    client.destroy();
  });

  it('a peer with the secret can use the tree commands and SYNC; nodes with the secret repair each other', async () => {
    const peer = createClient({ port: a.port, peerSecret: SECRET, retry: noRetry });
    expect((await peer.hash()).count).toBe(0);
    const report = await peer.sync(`127.0.0.1:${b.port}`);
    expect(report).toMatch(/^OK round_trips=\d+ bytes=\d+ keys_pulled=20 keys_pushed=0 /);
    expect(a.store.get('b:7')).toBe('value 7');
    expect(await peer.getv(['b:7'])).toEqual([expect.objectContaining({ key: 'b:7', value: 'value 7', node: 'peer-b' })]);
    // A node with another secret is not a peer: the session fails and nothing moves.
    await expect(peer.sync(`127.0.0.1:${other.port}`)).rejects.toBeInstanceOf(Error);
    expect(other.store.size).toBe(0);
    await peer.close();
  });
});
