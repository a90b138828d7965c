import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEngineContract } from '../__tests__/engine-contract.js';
import { StorageError } from '../errors.js';
import { HybridClock } from '../hlc.js';
import { Store } from '../store.js';
import { LMDB_FILE_NAME, LmdbEngine } from './lmdb-engine.js';
import type { SyncMode } from './lmdb-engine.js';

const root = mkdtempSync(join(tmpdir(), 'merklekv-lmdb-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const fileOf = (location: string): string => join(root, location, LMDB_FILE_NAME);

for (const sync of ['batch', 'always', 'none'] as const) {
  describeEngineContract(`lmdb (sync = ${sync})`, (location) => new LmdbEngine({ path: fileOf(location), sync }), {
    persistent: true,
    destroy: async (location) => rmSync(join(root, location), { recursive: true, force: true }),
  });
}

let n = 0;
const fresh = (): string => join(root, `t${n++}`, LMDB_FILE_NAME);

async function storeOn(path: string, sync: SyncMode = 'batch', nodeId = 'n1'): Promise<Store> {
  const store = new Store({ nodeId, engine: new LmdbEngine({ path, sync }), clock: new HybridClock() });
  await store.load();
  return store;
}

describe('LmdbEngine under a Store', () => {
  it('a restarted store holds the same records and the same root', async () => {
    const path = fresh();
    const a = await storeOn(path);
    for (let i = 0; i < 5000; i++) a.set(`key:${i}`, `value ${i}`);
    for (let i = 0; i < 5000; i += 3) a.delete(`key:${i}`);
    a.incrBy('counter', 41n);
    a.merge('remote', { value: 'from b', ts: 5, node: 'n2', deleted: false });
    const root = a.tree.rootHex();
    const size = a.size;
    await a.close();

    const b = await storeOn(path);
    expect(b.tree.rootHex()).toBe(root);
    expect(b.size).toBe(size);
    expect(b.recordCount).toBe(5000 + 2);
    expect(b.get('key:1')).toBe('value 1');
    expect(b.get('key:0')).toBeUndefined();
    expect(b.getVersion('key:0')?.deleted).toBe(true);
    expect(b.get('remote')).toBe('from b');
    // The clock moved past every loaded ts: a new write wins over the loaded one.
    const before = b.getVersion('key:1')?.ts ?? 0;
    expect(b.set('key:1', 'again').ts).toBeGreaterThan(before);
    await b.close();
  });

  it('collected tombstones stay gone after a restart', async () => {
    const path = fresh();
    const a = await storeOn(path);
    a.set('k', 'v');
    a.delete('k');
    expect(a.collectTombstones(Number.MAX_SAFE_INTEGER)).toBe(1);
    await a.close();
    const b = await storeOn(path);
    expect(b.recordCount).toBe(0);
    await b.close();
  });

  it('store.durable() makes a write readable by a second process view of the file', async () => {
    const path = fresh();
    const a = await storeOn(path, 'always');
    a.set('x', '1');
    expect((a.engine as LmdbEngine).pending).toBe(1);
    await a.durable();
    expect((a.engine as LmdbEngine).pending).toBe(0);
    // A read-only copy of the file (as after a crash) already holds it.
    const copy = join(root, `copy${n++}`, LMDB_FILE_NAME);
    await (a.engine as LmdbEngine).backup(copy);
    const c = await storeOn(copy);
    expect(c.get('x')).toBe('1');
    await c.close();
    await a.close();
  });

  it('a file that is not LMDB fails to open with ENGINE_FAILED', async () => {
    const dir = join(root, `bad${n++}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'bad.mdb'), 'this is not an lmdb file'.repeat(500));
    const engine = new LmdbEngine({ path: join(dir, 'bad.mdb') });
    await expect(engine.open()).rejects.toThrow(StorageError);
    await expect(engine.open()).rejects.toThrow(/bad\.mdb is not an lmdb database file/);
  });

  it('load before open throws ENGINE_FAILED naming the file', async () => {
    const engine = new LmdbEngine({ path: fresh() });
    const iterate = async (): Promise<void> => {
      for await (const _ of engine.load()) void _;
    };
    await expect(iterate()).rejects.toThrow(/is not open/);
  });
});
