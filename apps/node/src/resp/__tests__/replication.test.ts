/**
 * A write made over RESP replicates like any other: two nodes on an embedded
 * (aedes) broker; the write is visible on the other node over RESP and over
 * its text port.
 */
import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import type { RunningNode } from '../../node.js';
import { freePort, LineClient, startTestNode } from '../../__tests__/harness.js';
import { redisCli } from './redis-tools.js';

// Real clients as child processes on a shared, loaded machine: generous bounds, not speed claims.
jest.setTimeout(90_000);

/** Polls `check` until it holds, up to a generous deadline (the machine may be loaded). */
async function eventually(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('replication of RESP writes', () => {
  let a: RunningNode;
  let b: RunningNode;
  let client: Redis;

  beforeAll(async () => {
    const brokerPort = await freePort();
    a = await startTestNode({ mqtt: { broker_address: 'embedded', embedded_port: brokerPort } }, 'resp-repl-a');
    b = await startTestNode({ mqtt: { broker_address: `mqtt://127.0.0.1:${brokerPort}` } }, 'resp-repl-b');
    client = new Redis({ host: '127.0.0.1', port: a.respPort as number });
  });
  afterAll(async () => {
    client.disconnect();
    await b?.stop();
    await a?.stop();
  });

  it('shows a SET, an INCR, an MSET and a DEL made on node A over RESP on node B, over RESP and the text port', async () => {
    await client.set('repl:k', 'héllo from resp');
    await client.incrby('repl:n', 41);
    await client.mset('repl:m1', 'one', 'repl:m2', 'two');
    await client.set('repl:gone', 'x');
    await client.del('repl:gone');
    const text = await LineClient.open(b.port);
    try {
      await eventually(async () => (await text.call('GET repl:m2')) === 'two');
      expect(await text.call('GET repl:k')).toBe('héllo from resp');
      expect(await text.call('GET repl:n')).toBe('41');
      expect(await text.call('GET repl:gone')).toBe('(null)');
    } finally {
      text.close();
    }
    const port = b.respPort as number;
    expect(await redisCli(port, ['GET', 'repl:k'])).toBe('"h\\xc3\\xa9llo from resp"');
    expect(await redisCli(port, ['MGET', 'repl:m1', 'repl:n', 'repl:gone'])).toBe('1) "one"\n2) "41"\n3) (nil)');
  });

  it('shows a SET EX, an EXPIRE and a PERSIST made on node A over RESP as TTLs on node B, over RESP and the text port', async () => {
    expect(await client.set('repl:ttl', 'soon', 'EX', 100)).toBe('OK');
    await client.set('repl:px', 'v');
    expect(await client.pexpire('repl:px', 200_000)).toBe(1);
    await client.set('repl:kept', 'v', 'EX', 100);
    expect(await client.persist('repl:kept')).toBe(1);
    const text = await LineClient.open(b.port);
    try {
      await eventually(async () => Number(await text.call('TTL repl:px')) > 0);
      await eventually(async () => Number(await text.call('TTL repl:ttl')) > 0);
      const ttl = Number(await text.call('TTL repl:ttl'));
      expect(ttl).toBeGreaterThan(70);
      expect(ttl).toBeLessThanOrEqual(100);
      await eventually(async () => (await text.call('TTL repl:kept')) === '-1');
      expect(await text.call('GET repl:kept')).toBe('v');
    } finally {
      text.close();
    }
    const other = new Redis({ host: '127.0.0.1', port: b.respPort as number });
    try {
      const ttl = await other.ttl('repl:ttl');
      expect(ttl).toBeGreaterThan(70);
      expect(ttl).toBeLessThanOrEqual(100);
      const pttl = await other.pttl('repl:px');
      expect(pttl).toBeGreaterThan(170_000);
      expect(pttl).toBeLessThanOrEqual(200_000);
      expect(await other.get('repl:ttl')).toBe('soon');
    } finally {
      other.disconnect();
    }
  });

  it('replicates binary values byte for byte', async () => {
    const bytes = Buffer.from([0x00, 0xff, 0x80, 0x0d, 0x0a, 0xfe]);
    await client.set('repl:bin', bytes);
    const other = new Redis({ host: '127.0.0.1', port: b.respPort as number });
    try {
      await eventually(async () => (await other.getBuffer('repl:bin'))?.equals(bytes) === true);
    } finally {
      other.disconnect();
    }
  });
});
