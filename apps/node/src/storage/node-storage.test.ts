/**
 * A node on each persistent engine, in process: restart keeps data and root, BACKUP writes a
 * folder that a new node restores from, sync = "always" answers a write once it is durable.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LmdbEngine } from '@merklekv/storage';
import { LineClient, startTestNode } from '../__tests__/harness.js';
import type { RunningNode } from '../node.js';
import { startRedis } from '@merklekv/test-support';
import type { RedisServer } from '@merklekv/test-support';

const root = mkdtempSync(join(tmpdir(), 'merklekv-node-storage-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function withClient<T>(node: RunningNode, fn: (c: LineClient) => Promise<T>): Promise<T> {
  const client = await LineClient.open(node.port);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

const lmdb = (dataDir: string, extra: Record<string, unknown> = {}) => ({ storage: { engine: 'lmdb', data_dir: dataDir, ...extra } });

describe('a node on the lmdb engine', () => {
  it('restarts with the same data and HASH; BACKUP writes a restorable folder; old backups are pruned', async () => {
    const dataDir = join(root, 'a');
    let node = await startTestNode(lmdb(dataDir, { backup_keep: 2 }));
    const hashBefore = await withClient(node, async (c) => {
      for (let i = 0; i < 200; i++) c.send(`SET key:${i} "value ${i}"\r\n`);
      for (let i = 0; i < 200; i++) expect(await c.line()).toBe('OK');
      expect(await c.call('DEL key:0')).toBe('DELETED');
      return c.call('HASH');
    });
    const backupPath = await withClient(node, async (c) => {
      const first = await c.call('BACKUP');
      expect(first).toMatch(new RegExp(`^OK ${join(dataDir, 'backups')}/backup-\\d{8}T\\d{9}Z$`));
      expect(await c.call('BACKUP')).toMatch(/^OK /);
      expect(await c.call('BACKUP')).toMatch(/^OK /);
      expect(await c.call('SET after-backup 1')).toBe('OK');
      return first.slice(3);
    });
    expect(readdirSync(join(dataDir, 'backups'))).toHaveLength(2);
    expect(existsSync(backupPath)).toBe(false); // the first of three, pruned (backup_keep = 2)
    const kept = readdirSync(join(dataDir, 'backups')).sort()[0] as string;
    await node.stop();

    node = await startTestNode(lmdb(dataDir));
    await withClient(node, async (c) => {
      expect(await c.call('GET key:7')).toBe('value 7');
      expect(await c.call('GET after-backup')).toBe('1');
      expect(await c.call('DBSIZE')).toBe('200');
    });
    await node.stop();

    // Restore: a node whose data_dir is a copy of a backup holds the data as of that backup.
    const restoredDir = join(root, 'restored');
    cpSync(join(dataDir, 'backups', kept), restoredDir, { recursive: true });
    node = await startTestNode(lmdb(restoredDir));
    await withClient(node, async (c) => {
      expect(await c.call('HASH')).toBe(hashBefore);
      expect(await c.call('GET key:0')).toBe('(null)');
      expect(await c.call('GET key:199')).toBe('value 199');
      expect(await c.call('GET after-backup')).toBe('(null)');
    });
    await node.stop();
  }, 60_000);

  it('with sync = "always" a write is answered only once nothing is pending', async () => {
    const node = await startTestNode(lmdb(join(root, 'b'), { sync: 'always' }));
    const engine = node.store.engine as LmdbEngine;
    await withClient(node, async (c) => {
      for (let i = 0; i < 50; i++) {
        expect(await c.call(`SET k${i} v${i}`)).toBe('OK');
        expect(engine.pending).toBe(0);
      }
      expect(await c.call('INCR n 5')).toBe('5');
      expect(engine.pending).toBe(0);
      expect(await c.call('INCR k1')).toMatch(/^ERROR: /);
    });
    await node.stop();
  }, 30_000);

  it('a memory node answers BACKUP with an lmdb snapshot a new lmdb node restores', async () => {
    const dataDir = join(root, 'c');
    let node = await startTestNode({ storage: { data_dir: dataDir } });
    const [hash, path] = await withClient(node, async (c) => {
      expect(await c.call('MSET a 1 b 2 c 3')).toBe('OK');
      return [await c.call('HASH'), (await c.call('BACKUP')).slice(3)] as const;
    });
    await node.stop();
    node = await startTestNode(lmdb(path));
    await withClient(node, async (c) => expect(await c.call('HASH')).toBe(hash));
    await node.stop();
  }, 30_000);
});

describe('a node on the redis engine (real redis-server)', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  }, 20_000);
  afterAll(async () => server?.stop());

  it('restarts from Redis with the same data and HASH, and sync = always holds the reply until Redis has it', async () => {
    const storage = { storage: { engine: 'redis', redis_url: server.url, sync: 'always' } };
    let node = await startTestNode(storage, 'redis-node');
    const hash = await withClient(node, async (c) => {
      for (let i = 0; i < 500; i++) c.send(`SET r${i} ${i}\r\n`);
      for (let i = 0; i < 500; i++) expect(await c.line()).toBe('OK');
      expect(await c.call('DEL r3')).toBe('DELETED');
      return c.call('HASH');
    });
    await node.stop();
    node = await startTestNode(storage, 'redis-node');
    await withClient(node, async (c) => {
      expect(await c.call('HASH')).toBe(hash);
      expect(await c.call('GET r499')).toBe('499');
      expect(await c.call('DBSIZE')).toBe('499');
    });
    await node.stop();
  }, 30_000);
});
