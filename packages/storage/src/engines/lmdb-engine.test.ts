import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { open } from 'lmdb';
import { describeEngineContract } from '../__tests__/engine-contract.js';
import { rebuiltRoot } from '../__tests__/fixtures.js';
import { StorageError } from '../errors.js';
import { HybridClock } from '../hlc.js';
import { makeRecord, tombstone } from '../record.js';
import type { VersionedRecord } from '../record.js';
import { Store } from '../store.js';
import { LMDB_FILE_NAME, LmdbEngine } from './lmdb-engine.js';
import { encodeRecord } from './record-codec.js';
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

const plain = (r: VersionedRecord): object => ({ value: r.value, ts: r.ts, node: r.node, deleted: r.deleted });

/** Writes raw values into a new lmdb file, as an older build (encoding 'binary') or a damaged disk left them. */
async function rawFile(entries: ReadonlyArray<readonly [string, Buffer]>): Promise<string> {
  const path = fresh();
  mkdirSync(join(path, '..'), { recursive: true });
  const db = open<Buffer, string>({ path, noSubdir: true, encoding: 'binary' });
  for (const [key, bytes] of entries) await db.put(key, bytes);
  await db.close();
  return path;
}

async function viaLoad(engine: LmdbEngine): Promise<Map<string, object>> {
  const out = new Map<string, object>();
  for await (const [key, r] of engine.load()) out.set(key, plain(r));
  return out;
}

async function viaLoadEach(engine: LmdbEngine): Promise<Map<string, object>> {
  const out = new Map<string, object>();
  await engine.loadEach((key, value, ts, node, deleted) => {
    expect(out.has(key)).toBe(false); // each key once
    out.set(key, { value, ts, node, deleted });
  });
  return out;
}

describe('LmdbEngine bulk load (loadEach)', () => {
  const recordArb: fc.Arbitrary<VersionedRecord> = fc
    .record({
      value: fc.string({ unit: 'grapheme', maxLength: 40 }),
      ts: fc.maxSafeNat(),
      node: fc.constantFrom('n1', 'n2', 'nœud-3', 'a'.repeat(300)),
      deleted: fc.boolean(),
    })
    .map(({ value, ts, node, deleted }) => makeRecord(value, ts, node, deleted));

  it('hands the same records as load(), whatever the node ids, values and tombstones', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), recordArb, { maxKeys: 40 }), async (records) => {
        const engine = new LmdbEngine({ path: fresh(), sync: 'none' });
        await engine.open();
        for (const [key, r] of Object.entries(records)) engine.put(key, r);
        await engine.flush();
        const expected = new Map(Object.entries(records).map(([k, r]) => [k, plain(r)]));
        expect(await viaLoadEach(engine)).toEqual(expected);
        expect(await viaLoad(engine)).toEqual(expected);
        await engine.close();
      }),
      { numRuns: 15 },
    );
  });

  it('reads values of every size (large ones come from the map, not the shared read buffer)', async () => {
    const engine = new LmdbEngine({ path: fresh(), sync: 'none' });
    await engine.open();
    const sizes = [0, 1, 100, 5_000, 70_000, 300_000];
    for (const size of sizes) engine.put(`v${size}`, makeRecord('x'.repeat(size) + 'é', size + 1, 'n1'));
    engine.put('gone', tombstone(7, 'n2'));
    await engine.flush();
    const loaded = await viaLoadEach(engine);
    for (const size of sizes) expect(loaded.get(`v${size}`)).toEqual(plain(makeRecord('x'.repeat(size) + 'é', size + 1, 'n1')));
    expect(loaded.get('gone')).toEqual(plain(tombstone(7, 'n2')));
    await engine.close();
  });

  it('reads a file whose values an older build wrote as raw bytes (the on-disk format is unchanged)', async () => {
    const r = makeRecord('hello', 1_742_000_000_000, 'node-a');
    const path = await rawFile([['k', encodeRecord(r)], ['t', encodeRecord(tombstone(3, 'node-b'))]]);
    const engine = new LmdbEngine({ path });
    await engine.open();
    expect(await viaLoadEach(engine)).toEqual(new Map([['k', plain(r)], ['t', plain(tombstone(3, 'node-b'))]]));
    await engine.close();
  });

  it.each([
    ['an unknown format byte', Buffer.from([0x20, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0x61])],
    ['a short value', Buffer.from([0x10, 1, 2])],
    ['a tombstone with a value', (() => { const b = encodeRecord(makeRecord('v', 1, 'n')); b[0] = 0x11; return b; })()],
  ])('fails load() and loadEach() with CORRUPT_RECORD naming the key on %s', async (_name, bytes) => {
    const path = await rawFile([['a:fine', encodeRecord(makeRecord('v', 1, 'n'))], ['user:1', bytes]]);
    const engine = new LmdbEngine({ path });
    await engine.open();
    await expect(viaLoadEach(engine)).rejects.toMatchObject({ code: 'CORRUPT_RECORD', message: expect.stringContaining("'user:1'") });
    await expect(viaLoad(engine)).rejects.toMatchObject({ code: 'CORRUPT_RECORD', message: expect.stringContaining("'user:1'") });
    const store = new Store({ nodeId: 'n1', engine: new LmdbEngine({ path }) });
    await engine.close();
    await expect(store.load()).rejects.toThrow(/stored record of 'user:1' cannot be decoded/);
    await store.close();
  });

  it('a Store loads through loadEach (not load()) and builds the same tree', async () => {
    const path = fresh();
    const a = await storeOn(path);
    for (let i = 0; i < 3000; i++) a.merge(`k${i}`, makeRecord(`v${i}`, 100 + i, `node${i % 3}`, i % 7 === 0));
    const root = a.tree.rootHex();
    await a.close();
    const engine = new LmdbEngine({ path });
    const load = jest.spyOn(engine, 'load');
    const b = new Store({ nodeId: 'n1', engine });
    expect(await b.load()).toMatchObject({ records: 3000 });
    expect(load).not.toHaveBeenCalled();
    expect(b.tree.rootHex()).toBe(root);
    expect(rebuiltRoot(b)).toBe(root);
    expect(b.size).toBe(3000 - Math.ceil(3000 / 7));
    expect(b.memoryBytes).toBe(a.memoryBytes);
    expect(b.getVersion('k7')).toMatchObject({ deleted: true, node: 'node1', ts: 107 });
    // Loaded records are the store's own: overwrites and merges against them keep the tree exact.
    b.set('k1', 'changed');
    expect(b.merge('k2', makeRecord('older', 1, 'z'))).toBe('stale');
    expect(b.tree.rootHex()).toBe(rebuiltRoot(b));
    await b.close();
  });

  it('a Store that already holds versions keeps the LWW winner of each key on loadEach', async () => {
    const path = fresh();
    const a = await storeOn(path);
    a.merge('old-on-disk', makeRecord('disk', 5, 'n2'));
    a.merge('new-on-disk', makeRecord('disk', 9, 'n2'));
    await a.close();
    const b = new Store({ nodeId: 'n1', engine: new LmdbEngine({ path }) });
    b.merge('old-on-disk', makeRecord('memory', 6, 'n2'));
    b.merge('new-on-disk', makeRecord('memory', 8, 'n2'));
    await b.load();
    expect(b.get('old-on-disk')).toBe('memory');
    expect(b.get('new-on-disk')).toBe('disk');
    expect(b.recordCount).toBe(2);
    expect(b.tree.rootHex()).toBe(rebuiltRoot(b));
    await b.close();
  });
});
