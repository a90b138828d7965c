import { describe, expect, it } from '@jest/globals';
import { caught } from './__tests__/caught.js';
import { makeStore } from './__tests__/fixtures.js';
import { ENTRY_OVERHEAD_BYTES, recordBytes } from './memory-estimate.js';
import { makeRecord, tombstone } from './record.js';

/** A store with room for exactly `n` records of a 2-char key and an 8-char value. */
function smallStore(n: number): ReturnType<typeof makeStore> {
  return makeStore({ memoryLimitBytes: n * (ENTRY_OVERHEAD_BYTES + 2 + 8) });
}

function expectFull(fn: () => unknown): void {
  const err = caught(fn);
  expect([err.code, err.message]).toEqual(['STORAGE_FULL', 'Storage full']);
}

describe('Store memory estimate and limit', () => {
  it('charges key and value lengths plus a fixed overhead per record, and gives them back', () => {
    const { store } = makeStore();
    store.set('abc', 'hello');
    expect(store.memoryBytes).toBe(ENTRY_OVERHEAD_BYTES + 3 + 5);
    store.set('abc', 'hi');
    expect(store.memoryBytes).toBe(ENTRY_OVERHEAD_BYTES + 3 + 2);
    store.delete('abc');
    expect(store.memoryBytes).toBe(recordBytes('abc', tombstone(1, 'n')));
    store.collectTombstones(Number.MAX_SAFE_INTEGER);
    expect(store.memoryBytes).toBe(0);
    expect(store.memoryLimitBytes).toBe(Number.POSITIVE_INFINITY);
  });

  it('refuses a write that would pass the limit and changes nothing', () => {
    const { store } = smallStore(2);
    store.set('k1', '12345678');
    store.set('k2', '12345678');
    const root = store.tree.rootHex();
    const bytes = store.memoryBytes;
    expectFull(() => store.set('k3', '12345678'));
    expectFull(() => store.set('k1', '123456789'));
    expectFull(() => store.append('k1', 'x'));
    expectFull(() => store.prepend('k2', 'x'));
    expectFull(() => store.incrBy('k3', 1n));
    expectFull(() => store.merge('k3', makeRecord('v', 1, 'n2')));
    expect([store.get('k1'), store.get('k2'), store.exists('k3')]).toEqual(['12345678', '12345678', false]);
    expect(store.tree.rootHex()).toBe(root);
    expect(store.memoryBytes).toBe(bytes);
  });

  it('keeps reads, deletes and shrinking writes working when full', () => {
    const { store } = smallStore(2);
    store.set('k1', '12345678');
    store.set('k2', '12345678');
    expect(store.get('k1')).toBe('12345678');
    expect(store.scan('*', undefined, 10).entries).toHaveLength(2);
    store.set('k1', 'short');
    expect(store.delete('k2')).toBe(true);
    expect(store.merge('k1', tombstone(Number.MAX_SAFE_INTEGER - 1, 'n2'))).toBe('applied');
    // A remote tombstone for an unknown key is accepted too: deletes always replicate.
    expect(store.merge('other', tombstone(5, 'n2'))).toBe('applied');
    expect(store.flush()).toBe(0);
    // Once tombstones are collected there is room again.
    store.collectTombstones(Number.MAX_SAFE_INTEGER);
    store.set('k3', '12345678');
    expect(store.get('k3')).toBe('12345678');
  });

  it('applies an mset all or nothing', () => {
    const { store } = smallStore(3);
    store.set('k1', '12345678');
    expectFull(() =>
      store.mset([
        ['k2', '12345678'],
        ['k3', '12345678'],
        ['k4', '12345678'],
      ]),
    );
    expect(store.size).toBe(1);
    // Shrinking k1 in the same batch makes room for the rest.
    store.mset([
      ['k2', '12345678'],
      ['k3', '12345678'],
      ['k1', ''],
    ]);
    expect(store.size).toBe(3);
  });
});
