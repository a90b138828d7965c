import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import RedisMock from 'ioredis-mock';
import { Redis } from 'ioredis';
import { describeEngineContract } from '../__tests__/engine-contract.js';
import { StorageError } from '../errors.js';
import { Store } from '../store.js';
import { RedisEngine } from './redis-engine.js';
import { startRedis } from '@merklekv/test-support';
import type { RedisServer } from '@merklekv/test-support';

// Unit level: ioredis-mock, one client shared by every engine (the engine does not own it).
const mock = new RedisMock();
afterAll(() => mock.disconnect());
describeEngineContract('redis (ioredis-mock)', (location) => new RedisEngine({ client: mock, prefix: `merklekv:${location}:` }), {
  persistent: true,
  destroy: async (location) => void (await mock.del(`merklekv:${location}:records`)),
});

describe('RedisEngine layout (ioredis-mock)', () => {
  it('keeps a node in one hash of readable text records under its prefix', async () => {
    const engine = new RedisEngine({ client: mock, prefix: 'merklekv:layout:' });
    await engine.open();
    const store = new Store({ nodeId: 'node1', engine });
    await store.load();
    store.set('user:1', 'Alice');
    store.set('user:2', 'Bob');
    store.delete('user:2');
    await store.durable();
    expect(await mock.hlen('merklekv:layout:records')).toBe(2);
    expect(await mock.hget('merklekv:layout:records', 'user:1')).toBe(`V${store.getVersion('user:1')?.ts},5:node1Alice`);
    expect(await mock.hget('merklekv:layout:records', 'user:2')).toMatch(/^D\d+,5:node1$/);
    await store.close();
    await mock.del('merklekv:layout:records');
  });

  it('a corrupt field fails the load with CORRUPT_RECORD naming the key', async () => {
    await mock.hset('merklekv:corrupt:records', 'k', 'garbage');
    const store = new Store({ nodeId: 'n', engine: new RedisEngine({ client: mock, prefix: 'merklekv:corrupt:' }) });
    await expect(store.load()).rejects.toThrow(StorageError);
    await mock.del('merklekv:corrupt:records');
  });
});

// Integration: a real redis-server on a free port, the engine owning its connection by URL.
describe('with a real redis-server', () => {
  let server: RedisServer;
  let admin: Redis;
  beforeAll(async () => {
    server = await startRedis();
    admin = new Redis(server.url);
  }, 20_000);
  afterAll(async () => {
    await admin?.quit();
    await server?.stop();
  });

  describeEngineContract('redis (redis-server)', (location) => new RedisEngine({ url: server.url, prefix: `merklekv:${location}:` }), {
    persistent: true,
    destroy: async (location) => void (await admin.del(`merklekv:${location}:records`)),
  });

  it('a restarted store loads 20,000 records by HSCAN pages, same root', async () => {
    const a = new Store({ nodeId: 'n1', engine: new RedisEngine({ url: server.url, prefix: 'merklekv:big:', scanCount: 500 }) });
    await a.load();
    for (let i = 0; i < 20_000; i++) a.set(`k${i}`, `v${i}`);
    for (let i = 0; i < 20_000; i += 7) a.delete(`k${i}`);
    const root = a.tree.rootHex();
    await a.close();
    const b = new Store({ nodeId: 'n1', engine: new RedisEngine({ url: server.url, prefix: 'merklekv:big:' }) });
    const loaded = await b.load();
    expect(b.recordCount).toBe(20_000);
    expect(loaded.records).toBeGreaterThanOrEqual(20_000);
    expect(b.tree.rootHex()).toBe(root);
    await b.close();
  }, 30_000);

  it('fails to open with ENGINE_FAILED when nothing listens at the URL', async () => {
    const engine = new RedisEngine({ url: 'redis://127.0.0.1:1', prefix: 'x:' });
    await expect(engine.open()).rejects.toThrow(/cannot connect to Redis/);
    await engine.close();
  });
});
