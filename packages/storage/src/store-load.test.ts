import { afterEach, describe, expect, it } from '@jest/globals';
import { MapEngine } from './__tests__/map-engine.js';
import { makeStore, rebuiltRoot } from './__tests__/fixtures.js';
import { packTs } from './hlc.js';
import { MemoryEngine } from './memory-engine.js';
import { makeRecord } from './record.js';
import { Store } from './store.js';

afterEach(() => MapEngine.disks.clear());

describe('Store with an engine', () => {
  it('writes every change behind to the engine, and removes collected tombstones', async () => {
    const engine = new MapEngine('disk');
    const { store } = makeStore({ engine });
    await store.load();
    store.set('a', '1');
    store.set('b', '2');
    store.delete('b');
    store.merge('c', makeRecord('3', 5, 'n2'));
    store.merge('c', makeRecord('old', 1, 'n2'));
    await store.durable();
    const disk = MapEngine.disks.get('disk');
    expect([...(disk?.keys() ?? [])].sort()).toEqual(['a', 'b', 'c']);
    expect(disk?.get('b')?.deleted).toBe(true);
    expect(engine.calls.put).toBe(4);
    store.collectTombstones(Number.MAX_SAFE_INTEGER);
    expect(disk?.has('b')).toBe(false);
    expect(engine.calls.remove).toBe(1);
    await store.close();
  });

  it('reloads the same records, tombstones included, with the same root, and stamps new writes above them', async () => {
    const first = makeStore({ engine: new MapEngine('disk'), ms: 5_000_000 }).store;
    await first.load();
    for (let i = 0; i < 500; i++) first.set(`k${i}`, `v${i}`);
    first.delete('k1');
    first.merge('far', makeRecord('x', packTs(5_000_300), 'n2'));
    await first.close();

    const engine = new MapEngine('disk');
    const { store: second } = makeStore({ engine, ms: 1000 });
    const events: unknown[] = [];
    second.subscribe((e) => events.push(e));
    const report = await second.load();
    expect(report.records).toBe(501);
    expect(report.ms).toBeGreaterThanOrEqual(0);
    expect(second.recordCount).toBe(501);
    expect(second.size).toBe(500);
    expect(second.getVersion('k1')?.deleted).toBe(true);
    expect(second.tree.rootHex()).toBe(first.tree.rootHex());
    expect(second.tree.rootHex()).toBe(rebuiltRoot(second));
    expect(second.memoryBytes).toBe(first.memoryBytes);
    expect(second.scan('k4', undefined, 3).entries.map(([k]) => k)).toEqual(['k4', 'k40', 'k400']);
    // Loading neither notifies nor writes back.
    expect(events).toEqual([]);
    expect(engine.calls.put).toBe(0);
    // The clock moved past the loaded versions (within its offset), and writes go above what they replace.
    expect(second.set('k2', 'new').ts).toBeGreaterThan(first.getVersion('k2')?.ts ?? Infinity);
  });

  it('keeps the LWW winner when the engine holds a version older than one already in memory', async () => {
    const disk = new MapEngine('disk');
    disk.put('k', makeRecord('on-disk', 1, 'n2'));
    const { store } = makeStore({ engine: new MapEngine('disk') });
    store.merge('k', makeRecord('newer', 2, 'n2'));
    await store.load();
    expect(store.get('k')).toBe('newer');
    expect(store.tree.rootHex()).toBe(rebuiltRoot(store));
  });

  it('starts empty with the memory engine', async () => {
    const store = new Store({ nodeId: 'n1', engine: new MemoryEngine() });
    expect(await store.load()).toMatchObject({ records: 0 });
    expect(store.engine.name).toBe('memory');
    await store.close();
  });
});
