import { afterAll, describe, expect, it } from '@jest/globals';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StorageError } from '../errors.js';
import { Store } from '../store.js';
import { createBackup, listBackups, snapshotRecords } from './backup.js';
import { LMDB_FILE_NAME, LmdbEngine } from './lmdb-engine.js';

const root = mkdtempSync(join(tmpdir(), 'merklekv-backup-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

async function lmdbStore(dataDir: string): Promise<Store> {
  const store = new Store({ nodeId: 'n1', engine: new LmdbEngine({ path: join(dataDir, LMDB_FILE_NAME) }) });
  await store.load();
  return store;
}

describe('createBackup', () => {
  it('snapshots an lmdb store as of the call; restoring a copy of the folder gives the same data and root', async () => {
    const dataDir = join(root, `d${n++}`);
    const store = await lmdbStore(dataDir);
    for (let i = 0; i < 3000; i++) store.set(`k${i}`, `v${i}`);
    store.delete('k5');
    const root1 = store.tree.rootHex();
    const engine = store.engine as LmdbEngine;
    const backup = await createBackup({ backupsDir: join(dataDir, 'backups'), write: (f) => engine.backup(f), keep: 3 });
    // Written after the backup: not in it.
    store.set('later', 'x');
    await store.close();

    expect(readdirSync(backup.path)).toEqual([LMDB_FILE_NAME]);
    expect(backup.bytes).toBeGreaterThan(0);
    const restoredDir = join(root, `restored${n++}`);
    cpSync(backup.path, restoredDir, { recursive: true });
    const restored = await lmdbStore(restoredDir);
    expect(restored.tree.rootHex()).toBe(root1);
    expect(restored.size).toBe(2999);
    expect(restored.get('k7')).toBe('v7');
    expect(restored.get('later')).toBeUndefined();
    await restored.close();
  });

  it('keeps the newest N, names sort by time, and a same-millisecond backup gets its own folder', async () => {
    const dir = join(root, `b${n++}`);
    const store = new Store({ nodeId: 'n1' });
    store.set('a', '1');
    const write = snapshotRecords([...store.versions()]);
    const at = new Date('2025-01-01T00:00:00.000Z');
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      made.push((await createBackup({ backupsDir: dir, write, keep: 3, now: () => new Date(at.getTime() + (i < 2 ? 0 : i) * 3_600_000) })).path);
    }
    expect(made[1]).toBe(`${made[0]}-2`);
    expect(await listBackups(dir)).toEqual(made.slice(2));
    expect(existsSync(made[0] as string)).toBe(false);
  });

  it('snapshotRecords turns a memory store into a restorable lmdb backup', async () => {
    const mem = new Store({ nodeId: 'n1' });
    for (let i = 0; i < 500; i++) mem.set(`m${i}`, `${i}`);
    mem.delete('m0');
    const backup = await createBackup({ backupsDir: join(root, `m${n++}`), write: snapshotRecords([...mem.versions()]) });
    const restored = await lmdbStore(backup.path);
    expect(restored.tree.rootHex()).toBe(mem.tree.rootHex());
    expect(restored.recordCount).toBe(500);
    await restored.close();
  });

  it('a failed snapshot leaves no folder behind and throws ENGINE_FAILED', async () => {
    const dir = join(root, `f${n++}`);
    const failing = async (): Promise<void> => {
      throw new Error('no space left');
    };
    await expect(createBackup({ backupsDir: dir, write: failing })).rejects.toThrow(StorageError);
    await expect(createBackup({ backupsDir: dir, write: failing })).rejects.toThrow(/failed: no space left/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('rejects keep < 1', async () => {
    await expect(createBackup({ backupsDir: join(root, 'x'), write: async () => undefined, keep: 0 })).rejects.toThrow(/keep must be a positive integer/);
  });
});
