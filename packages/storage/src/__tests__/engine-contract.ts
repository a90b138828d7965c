/**
 * The contract every StorageEngine passes (memory here; LMDB and Redis engines run the same suite).
 *
 * `makeEngine(location)` opens an engine on a storage location: called twice with the same
 * location it must reach the same data (a temp dir, a Redis key prefix, ...), as a restart would.
 * Each test gets a fresh location. A non-persistent engine (`persistent: false`) must still
 * accept every call and must load nothing.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { bytesToString, stringToBytes } from '@merklekv/merkle';
import fc from 'fast-check';
import type { StorageEngine } from '../engine.js';
import { makeRecord, tombstone } from '../record.js';
import type { VersionedRecord } from '../record.js';

/** Options of {@link describeEngineContract}. */
export interface EngineContractOptions {
  /** Whether records survive close → reopen. */
  readonly persistent: boolean;
  /** Deletes what a location holds, after each test. */
  readonly destroy?: (location: string) => Promise<void>;
}

async function loadAll(engine: StorageEngine): Promise<Map<string, object>> {
  const out = new Map<string, object>();
  for await (const [key, r] of engine.load()) {
    out.set(key, { value: r.value, ts: r.ts, node: r.node, deleted: r.deleted, expireAt: r.expireAt ?? 0 });
  }
  return out;
}

function plain(r: VersionedRecord): object {
  return { value: r.value, ts: r.ts, node: r.node, deleted: r.deleted, expireAt: r.expireAt ?? 0 };
}

let counter = 0;

/** Registers the engine contract suite for one engine. */
export function describeEngineContract(
  name: string,
  makeEngine: (location: string) => StorageEngine | Promise<StorageEngine>,
  opts: EngineContractOptions,
): void {
  describe(`StorageEngine contract: ${name}`, () => {
    const open: StorageEngine[] = [];
    const locations: string[] = [];

    async function start(location: string): Promise<StorageEngine> {
      const engine = await makeEngine(location);
      open.push(engine);
      await engine.open();
      return engine;
    }

    async function reopen(engine: StorageEngine, location: string): Promise<StorageEngine> {
      await engine.flush();
      await engine.close();
      open.splice(open.indexOf(engine), 1);
      return start(location);
    }

    function freshLocation(): string {
      const location = `contract-${process.pid}-${Date.now()}-${counter++}`;
      locations.push(location);
      return location;
    }

    afterEach(async () => {
      for (const engine of open.splice(0)) await engine.close();
      for (const location of locations.splice(0)) await opts.destroy?.(location);
    });

    it('has a name', async () => {
      const engine = await start(freshLocation());
      expect(typeof engine.name).toBe('string');
      expect(engine.name.length).toBeGreaterThan(0);
    });

    it('loads nothing from a fresh location', async () => {
      const engine = await start(freshLocation());
      expect((await loadAll(engine)).size).toBe(0);
    });

    const records: Array<[string, VersionedRecord]> = [
      ['plain', makeRecord('value', 1_700_000_000_000 * 1024 + 5, 'node-1')],
      ['gone', tombstone(1_700_000_000_001 * 1024, 'node-2')],
      ['empty', makeRecord('', 3, 'node-1')],
      ['odd', makeRecord(' spaces, "quotes"\r\nnewlines\t\0 and ünïcødé 🙂 ', Number.MAX_SAFE_INTEGER, 'n')],
      ['ключ🙂', makeRecord('x'.repeat(100_000), 42, 'node-3')],
      ['session', makeRecord('token', 7, 'node-1', false, 1_790_000_060_000)],
      ['expired', makeRecord('', 8, 'node-2', true, 1_700_000_000_000)],
    ];

    it(`${opts.persistent ? 'gives back' : 'does not keep'} every record, tombstones included, after reopen`, async () => {
      const location = freshLocation();
      let engine = await start(location);
      for (const [k, r] of records) engine.put(k, r);
      engine = await reopen(engine, location);
      const expected = opts.persistent ? new Map(records.map(([k, r]) => [k, plain(r)])) : new Map();
      expect(await loadAll(engine)).toEqual(expected);
      if (engine.loadEach !== undefined) {
        const each = new Map<string, object>();
        await engine.loadEach((key, value, ts, node, deleted, expireAt) => each.set(key, { value, ts, node, deleted, expireAt }));
        expect(each).toEqual(expected);
      }
    });

    it(`${opts.persistent ? 'gives back' : 'does not keep'} arbitrary byte values (binary RESP values) byte for byte after reopen`, async () => {
      // What the RESP port stores for any bytes: bytes that are not UTF-8 become U+DC80..U+DCFF.
      const byteValues = [
        Buffer.of(0xff),
        Buffer.of(0x80, 0x81, 0xfe),
        Buffer.of(0x61, 0xc3),
        Buffer.of(0xed, 0xa0, 0x80),
        Buffer.from('ünï\u{1F642}', 'utf8'),
        Buffer.concat([Buffer.alloc(70_000, 0xc0), Buffer.from('tail')]),
        ...fc.sample(fc.uint8Array({ maxLength: 300 }), { numRuns: 60, seed: 15 }).map((b) => Buffer.from(b)),
      ];
      const location = freshLocation();
      let engine = await start(location);
      byteValues.forEach((bytes, i) => engine.put(`bin:${i}`, makeRecord(bytesToString(bytes), 10 + i, 'node-1', false, i % 2 === 0 ? 0 : 1_790_000_000_000 + i)));
      engine = await reopen(engine, location);
      const loaded = new Map<string, VersionedRecord>();
      for await (const [key, r] of engine.load()) loaded.set(key, r);
      if (!opts.persistent) {
        expect(loaded.size).toBe(0);
        return;
      }
      expect(loaded.size).toBe(byteValues.length);
      byteValues.forEach((bytes, i) => {
        const r = loaded.get(`bin:${i}`);
        expect(r === undefined ? undefined : stringToBytes(r.value).toString('hex')).toBe(bytes.toString('hex'));
        expect(r?.ts).toBe(10 + i);
        expect(r?.expireAt ?? 0).toBe(i % 2 === 0 ? 0 : 1_790_000_000_000 + i);
      });
      if (engine.loadEach !== undefined) {
        const each = new Map<string, string>();
        await engine.loadEach((key, value) => each.set(key, stringToBytes(value).toString('hex')));
        byteValues.forEach((bytes, i) => expect(each.get(`bin:${i}`)).toBe(bytes.toString('hex')));
      }
    });

    it('keeps only the last version put for a key', async () => {
      const location = freshLocation();
      let engine = await start(location);
      engine.put('k', makeRecord('v1', 1, 'a'));
      engine.put('k', makeRecord('v2', 2, 'a'));
      engine.put('k', tombstone(3, 'b'));
      engine = await reopen(engine, location);
      const loaded = await loadAll(engine);
      expect(loaded.get('k')).toEqual(opts.persistent ? plain(tombstone(3, 'b')) : undefined);
      expect(loaded.size).toBe(opts.persistent ? 1 : 0);
    });

    it('forgets a removed key', async () => {
      const location = freshLocation();
      let engine = await start(location);
      engine.put('a', makeRecord('1', 1, 'n'));
      engine.put('b', makeRecord('2', 2, 'n'));
      engine.remove('a');
      engine.remove('never-put');
      engine = await reopen(engine, location);
      expect([...(await loadAll(engine)).keys()]).toEqual(opts.persistent ? ['b'] : []);
    });

    it('forgets every key on clear, and takes new puts after it', async () => {
      const location = freshLocation();
      let engine = await start(location);
      for (const [k, r] of records) engine.put(k, r);
      engine.clear();
      engine.put('after', makeRecord('v', 9, 'n'));
      engine = await reopen(engine, location);
      expect([...(await loadAll(engine)).keys()]).toEqual(opts.persistent ? ['after'] : []);
    });

    it('resolves flush with nothing pending, and after many writes', async () => {
      const location = freshLocation();
      let engine = await start(location);
      await expect(engine.flush()).resolves.toBeUndefined();
      for (let i = 0; i < 2000; i++) engine.put(`k${i}`, makeRecord(`v${i}`, i, 'n'));
      for (let i = 0; i < 2000; i += 2) engine.remove(`k${i}`);
      await expect(engine.flush()).resolves.toBeUndefined();
      engine = await reopen(engine, location);
      const loaded = await loadAll(engine);
      expect(loaded.size).toBe(opts.persistent ? 1000 : 0);
      if (opts.persistent) expect(loaded.get('k1999')).toEqual(plain(makeRecord('v1999', 1999, 'n')));
    });
  });
}
