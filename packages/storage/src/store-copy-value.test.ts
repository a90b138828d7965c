import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { makeStore } from './__tests__/fixtures.js';
import { Store } from './store.js';

/** The bytes copyValue wrote for `key`, or its status code. */
function copied(store: Store, key: string, target = Buffer.alloc(5000, 0xee), offset = 3): Buffer | number {
  const n = store.copyValue(key, target, offset);
  return n < 0 ? n : target.subarray(offset, offset + n);
}

describe('Store.copyValue', () => {
  it('copies a Latin-1 value as its bytes, and leaves the bytes around it alone', () => {
    const { store } = makeStore();
    store.set('k', 'café au lait');
    const target = Buffer.alloc(40, 0xee);
    expect(store.copyValue('k', target, 5)).toBe(12);
    expect(target.toString('latin1', 5, 17)).toBe('café au lait');
    expect(target.subarray(0, 5).every((b) => b === 0xee)).toBe(true);
    expect(target.subarray(17).every((b) => b === 0xee)).toBe(true);
  });

  it('answers MISSING for a key never set, deleted, or after FLUSH', () => {
    const { store } = makeStore();
    expect(store.copyValue('none', Buffer.alloc(8), 0)).toBe(Store.MISSING);
    store.set('d', 'v');
    store.delete('d');
    expect(store.copyValue('d', Buffer.alloc(8), 0)).toBe(Store.MISSING);
    store.set('f', 'v');
    store.flush();
    expect(store.copyValue('f', Buffer.alloc(8), 0)).toBe(Store.MISSING);
  });

  it('copies an empty value as 0 bytes', () => {
    const { store } = makeStore();
    store.set('e', '');
    expect(store.copyValue('e', Buffer.alloc(1), 1)).toBe(0);
  });

  it('answers NOT_COPIED, writing nothing, for a value held as a string or one that does not fit', () => {
    const { store } = makeStore();
    store.set('wide', 'snow ☃');
    store.set('long', 'x'.repeat(4097));
    store.set('fits', 'abcd');
    const target = Buffer.alloc(6, 0xee);
    expect(store.copyValue('wide', target, 0)).toBe(Store.NOT_COPIED);
    expect(store.copyValue('long', target, 0)).toBe(Store.NOT_COPIED);
    expect(store.copyValue('fits', target, 3)).toBe(Store.NOT_COPIED);
    expect(target.every((b) => b === 0xee)).toBe(true);
    expect(store.copyValue('fits', target, 2)).toBe(4);
    expect(store.get('wide')).toBe('snow ☃');
  });

  it('expires a key past its expiry, as get does (lazy expiry): MISSING, then held as its expiry tombstone', () => {
    const { store, wall } = makeStore({ ms: 10_000 });
    store.set('s', 'token', 10_500);
    wall.ms = 10_499;
    expect(copied(store, 's')).toEqual(Buffer.from('token'));
    wall.ms = 10_500;
    expect(store.copyValue('s', Buffer.alloc(8), 0)).toBe(Store.MISSING);
    expect(store.expiredTotal).toBe(1);
    expect(store.keysWithExpiry).toBe(0);
    expect(store.getVersion('s')?.deleted).toBe(true);
  });

  it('property: under random writes, overwrites and deletes, copies exactly the Latin-1 bytes of what get returns, or says why not', () => {
    const latin1 = fc.string({ unit: fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 70 });
    const value = fc.oneof(
      { weight: 6, arbitrary: latin1 },
      { weight: 1, arbitrary: fc.integer({ min: 60, max: 4200 }).map((n) => 'v'.repeat(n)) },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
    );
    const op = fc.oneof(
      { weight: 5, arbitrary: fc.tuple(fc.constant('set' as const), fc.nat(9), value) },
      { weight: 1, arbitrary: fc.tuple(fc.constant('del' as const), fc.nat(9), fc.constant('')) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.nat(100), (ops, offset) => {
        const { store } = makeStore();
        const target = Buffer.alloc(4300 + offset);
        for (const [kind, k, v] of ops) {
          if (kind === 'set') store.set(`k${k}`, v);
          else store.delete(`k${k}`);
          for (let i = 0; i < 10; i++) {
            const key = `k${i}`;
            const want = store.get(key);
            const n = store.copyValue(key, target, offset);
            if (want === undefined) expect(n).toBe(Store.MISSING);
            else if (/^[\0-\xff]*$/.test(want) && want.length <= 4096) {
              expect(n).toBe(want.length);
              expect(target.toString('latin1', offset, offset + n)).toBe(want);
            } else expect(n).toBe(Store.NOT_COPIED);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
