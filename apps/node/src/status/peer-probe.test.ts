import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort, startTestNode } from '../__tests__/harness.js';
import type { RunningNode } from '../node.js';
import { peerFacts, probePeer } from './peer-probe.js';

const SECRET = 'a-cluster-secret-of-some-length';

describe('probePeer', () => {
  let secured: RunningNode;
  let silent: Server;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    secured = await startTestNode({ security: { password: 'client-pw', cluster_secret: SECRET } }, 'secured');
    // Accepts connections and never answers: a hung peer.
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    await secured.stop();
  });

  it('authenticates as a cluster peer with the secret, and reads INFO and HASH', async () => {
    const probe = await probePeer(`127.0.0.1:${secured.port}`, { timeoutMs: 2000, peerSecret: SECRET });
    expect(probe).toMatchObject({ up: true, facts: { nodeId: 'secured', keys: 0, records: 0, replication: null } });
    if (probe.up) expect(probe.facts.activity).toBeDefined();
  });

  it('reports a peer that refuses it (no secret, passwords on) as unreachable with the reason', async () => {
    const probe = await probePeer(`127.0.0.1:${secured.port}`, { timeoutMs: 2000 });
    expect(probe).toMatchObject({ up: false, error: expect.stringMatching(/Authentication required/) });
  });

  it('gives up on a peer that never answers at the deadline', async () => {
    const { port } = silent.address() as { port: number };
    const probe = await probePeer(`127.0.0.1:${port}`, { timeoutMs: 300 });
    expect(probe.up).toBe(false);
    expect(probe.ms).toBeGreaterThanOrEqual(250);
    expect(probe.ms).toBeLessThan(2000);
  });

  it('reports a closed port and a malformed address without throwing', async () => {
    const closed = await probePeer(`127.0.0.1:${await freePort()}`, { timeoutMs: 1000 });
    expect(closed).toMatchObject({ up: false, error: expect.stringMatching(/ECONNREFUSED/) });
    expect(await probePeer('not-an-address', { timeoutMs: 1000 })).toMatchObject({ up: false });
  });
});

describe('peerFacts', () => {
  it('reads the figures of INFO and HASH, tolerating missing sections and values', () => {
    const hash = { root: 'ab', count: 5, shape: 's' };
    expect(peerFacts({}, hash)).toEqual({ nodeId: undefined, keys: undefined, records: 5, root: 'ab', replication: null, activity: undefined });
    const facts = peerFacts(
      {
        'Server Information': { node_id: 'x', total_keys: '4' },
        Replication: { connected: 'true', queue_depth: 'n/a' },
        Activity: { ops_per_sec: '', p99_latency_ms: '0.5', replication_in_per_sec: '2', replication_out_per_sec: '3' },
      },
      hash,
    );
    expect(facts).toEqual({
      nodeId: 'x',
      keys: 4,
      records: 5,
      root: 'ab',
      replication: { connected: true, queueDepth: undefined },
      activity: { opsPerSec: undefined, p99LatencyMs: 0.5, replicationInPerSec: 2, replicationOutPerSec: 3 },
    });
  });
});
