/** ioredis (a real client, not the mock) against a running node's RESP port. */
import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import type { RunningNode } from '../../node.js';
import { freePort, LineClient, startTestNode } from '../../__tests__/harness.js';

// Real clients as child processes on a shared, loaded machine: generous bounds, not speed claims.
jest.setTimeout(90_000);

describe('ioredis', () => {
  let node: RunningNode;
  let respPort: number;
  let client: Redis;

  beforeAll(async () => {
    respPort = await freePort();
    node = await startTestNode({ resp: { bind_port: respPort } }, 'resp-ioredis');
    client = new Redis({ host: '127.0.0.1', port: respPort, retryStrategy: (times) => Math.min(times * 50, 500), maxRetriesPerRequest: 50 });
  });
  afterAll(async () => {
    client.disconnect();
    await node.stop();
  });

  it('connects (ready check: INFO loading) and runs the string commands', async () => {
    expect(await client.ping()).toBe('PONG');
    expect(await client.set('io:k', 'v')).toBe('OK');
    expect(await client.get('io:k')).toBe('v');
    expect(await client.get('io:missing')).toBeNull();
    expect(await client.set('io:k', 'w', 'NX')).toBeNull();
    expect(await client.incrby('io:n', 5)).toBe(5);
    expect(await client.mget('io:k', 'io:n', 'io:missing')).toEqual(['v', '5', null]);
    expect(await client.strlen('io:k')).toBe(1);
    expect(await client.set('io:k', 'v', 'EX', 10)).toBe('OK');
    // Bounds, not exact values: the machine may be loaded between the calls.
    expect(await client.ttl('io:k')).toBeGreaterThanOrEqual(5);
    expect(await client.ttl('io:k')).toBeLessThanOrEqual(10);
    expect(await client.pttl('io:k')).toBeGreaterThan(5_000);
    expect(await client.pttl('io:k')).toBeLessThanOrEqual(10_000);
    expect(await client.set('io:k', 'v', 'PX', 50_000, 'NX')).toBeNull();
    expect(await client.set('io:k', 'v', 'KEEPTTL')).toBe('OK');
    expect(await client.ttl('io:k')).toBeGreaterThanOrEqual(5);
    expect(await client.persist('io:k')).toBe(1);
    expect(await client.ttl('io:k')).toBe(-1);
    expect(await client.ttl('io:missing')).toBe(-2);
    await expect(client.set('io:k', 'v', 'EX', 0)).rejects.toThrow("ERR invalid expire time in 'set' command");
    await expect(client.incr('io:k')).rejects.toThrow('ERR value is not an integer or out of range');
  });

  it('runs a pipeline of a thousand commands with replies in order', async () => {
    const pipeline = client.pipeline();
    for (let i = 0; i < 500; i++) pipeline.set(`io:p:${i}`, `value-${i}`);
    for (let i = 0; i < 500; i++) pipeline.get(`io:p:${i}`);
    const results = (await pipeline.exec()) ?? [];
    expect(results).toHaveLength(1000);
    for (let i = 0; i < 500; i++) {
      expect(results[i]).toEqual([null, 'OK']);
      expect(results[500 + i]).toEqual([null, `value-${i}`]);
    }
  });

  it('iterates every key with SCAN (scanStream, MATCH and COUNT)', async () => {
    const keys: string[] = [];
    const stream = client.scanStream({ match: 'io:p:*', count: 37 });
    for await (const batch of stream) keys.push(...(batch as string[]));
    expect(keys.length).toBe(500);
    expect(new Set(keys).size).toBe(500);
  });

  it('keeps binary values byte for byte', async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await client.set('io:bin', bytes);
    expect((await client.getBuffer('io:bin'))?.equals(bytes)).toBe(true);
    expect(await client.strlen('io:bin')).toBe(256);
    expect(await client.append('io:bin', Buffer.from([0xff]))).toBe(257);
  });

  it('reads and writes the same keys as the text port', async () => {
    await client.set('io:shared', 'from resp');
    const text = await LineClient.open(node.port);
    expect(await text.call('GET io:shared')).toBe('from resp');
    await text.call('SET io:shared from text');
    text.close();
    expect(await client.get('io:shared')).toBe('from text');
  });

  it('reconnects after the node restarts on the same port', async () => {
    await node.stop();
    node = await startTestNode({ resp: { bind_port: respPort } }, 'resp-ioredis');
    // Commands sent while reconnecting are queued by ioredis and run once it is back.
    expect(await client.set('io:after', 'restart')).toBe('OK');
    expect(await client.get('io:after')).toBe('restart');
    expect(node.store.get('io:after')).toBe('restart');
  });
});
