import { describe, expect, it } from '@jest/globals';
import { versionDigest } from '@merklekv/merkle';
import { caught } from './__tests__/caught.js';
import { makeStore, rebuiltRoot } from './__tests__/fixtures.js';
import { MapEngine } from './__tests__/map-engine.js';
import { HybridClock, packTs } from './hlc.js';
import { expiredForm, makeRecord } from './record.js';
import { Store } from './store.js';

describe('Store expiry: reads', () => {
  it('hides a key from every read once its expireAt is reached, swept or not', () => {
    const { store, wall } = makeStore({ ms: 10_000 });
    store.set('s', 'token', 10_500);
    store.set('keep', 'v');
    expect(store.get('s')).toBe('token');
    expect(store.exists('s')).toBe(true);
    expect(store.size).toBe(2);
    expect(store.scan('', undefined, 10).entries).toEqual([['keep', 'v'], ['s', 'token']]);
    wall.ms = 10_499;
    expect(store.get('s')).toBe('token');
    wall.ms = 10_500;
    // DBSIZE counts it out before anything touched it.
    expect(store.size).toBe(1);
    expect(store.keysWithExpiry).toBe(1);
    expect(store.scan('', undefined, 10).entries).toEqual([['keep', 'v']]);
    expect(store.exists('s')).toBe(false);
    expect(store.get('s')).toBeUndefined();
    expect(store.expireAtOf('s')).toBeUndefined();
    expect(store.size).toBe(1);
    expect(store.keysWithExpiry).toBe(0);
    expect(store.expiredTotal).toBe(1);
  });

  it('turns an expired record into its expiry tombstone: same ts, node and expireAt, no change event', () => {
    const { store, wall } = makeStore({ ms: 10_000 });
    const written = store.set('s', 'token', 10_100);
    const events: string[] = [];
    store.subscribe((e) => events.push(e.key));
    wall.ms = 10_100;
    expect(store.getVersion('s')).toEqual(makeRecord('', written.ts, 'n1', true, 10_100));
    expect(store.getVersion('s')).toEqual(expiredForm(written));
    expect(events).toEqual([]);
    expect(store.tree.rootHex()).toBe(rebuiltRoot(store));
  });

  it('two replicas derive the same tombstone, and so the same root, without exchanging anything', () => {
    const a = makeStore({ nodeId: 'a', ms: 10_000 });
    const b = makeStore({ nodeId: 'b', ms: 10_000 });
    const v = a.store.set('s', 'x', 10_050);
    b.store.merge('s', v);
    expect(a.store.tree.rootHex()).toBe(b.store.tree.rootHex());
    a.wall.ms = b.wall.ms = 10_060;
    a.store.sweepExpired(10);
    expect(a.store.tree.rootHex()).not.toBe(b.store.tree.rootHex());
    b.store.get('s');
    expect(a.store.tree.rootHex()).toBe(b.store.tree.rootHex());
  });
});

describe('Store expiry: writes', () => {
  it('EXPIRE and PERSIST are new versions; they report whether a live key was there', () => {
    const { store, wall } = makeStore({ ms: 10_000 });
    expect(store.expire('missing', 20_000)).toBe(false);
    expect(store.persist('missing')).toBe(false);
    const first = store.set('k', 'v');
    expect(store.persist('k')).toBe(false);
    expect(store.getVersion('k')?.ts).toBe(first.ts);
    expect(store.expire('k', 20_000)).toBe(true);
    const expiring = store.getVersion('k');
    expect(expiring).toMatchObject({ value: 'v', expireAt: 20_000 });
    expect(expiring?.ts).toBeGreaterThan(first.ts);
    expect(store.expireAtOf('k')).toBe(20_000);
    expect(store.persist('k')).toBe(true);
    expect(store.getVersion('k')).toMatchObject({ value: 'v', expireAt: 0 });
    expect(store.getVersion('k')?.ts).toBeGreaterThan(expiring?.ts ?? Infinity);
    expect(store.expireAtOf('k')).toBe(0);
    wall.ms = 30_000;
    expect(store.get('k')).toBe('v');
  });

  it('an expiry already past deletes the key at once (its expiry tombstone is what replicates)', () => {
    const { store } = makeStore({ ms: 10_000 });
    store.set('k', 'v');
    const events: Array<{ deleted: boolean; expireAt: number | undefined }> = [];
    store.subscribe((e) => events.push({ deleted: e.record.deleted, expireAt: e.record.expireAt }));
    expect(store.expire('k', 5_000)).toBe(true);
    expect(store.get('k')).toBeUndefined();
    expect(events).toEqual([{ deleted: true, expireAt: 5_000 }]);
    expect(store.expire('k', 50_000)).toBe(false);
  });

  it('SET clears the expiry; INCR, DECR, APPEND and PREPEND keep it', () => {
    const { store } = makeStore({ ms: 10_000 });
    store.set('n', '1', 20_000);
    store.incrBy('n', 2n);
    expect(store.expireAtOf('n')).toBe(20_000);
    store.incrBy('n', -1n);
    expect(store.expireAtOf('n')).toBe(20_000);
    store.append('n', '0');
    store.prepend('n', '1');
    expect(store.get('n')).toBe('120');
    expect(store.expireAtOf('n')).toBe(20_000);
    store.set('n', 'plain');
    expect(store.expireAtOf('n')).toBe(0);
    store.set('m', 'x', 20_000);
    store.mset([['m', 'y']]);
    expect(store.expireAtOf('m')).toBe(0);
    // INCR of an expired key starts from 0 with no expiry.
    store.set('gone', '41', 10_001);
    const later = makeStore({ ms: 10_000 });
    later.store.merge('gone', store.getVersion('gone') ?? makeRecord('', 1, 'x'));
    later.wall.ms = 10_001;
    expect(later.store.incrBy('gone', 1n)).toBe(1n);
    expect(later.store.expireAtOf('gone')).toBe(0);
  });

  it('refuses an expiry that is not a positive integer time', () => {
    const { store } = makeStore();
    store.set('k', 'v');
    expect(caught(() => store.expire('k', 1.5))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(caught(() => store.set('k', 'v', -3))).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('Store expiry: merge order', () => {
  it('a record arriving already expired is stored as its expiry tombstone; the record never wins over it', () => {
    const { store } = makeStore({ nodeId: 'b', ms: 10_000 });
    const old = makeRecord('secret', packTs(5_000), 'a', false, 6_000);
    expect(store.merge('k', old)).toBe('applied');
    expect(store.getVersion('k')).toEqual(expiredForm(old));
    expect(store.get('k')).toBeUndefined();
    expect(store.merge('k', old)).toBe('stale');
    // A write made after the expired one wins, whenever it arrives.
    expect(store.merge('k', makeRecord('new', packTs(5_500), 'c'))).toBe('applied');
    expect(store.get('k')).toBe('new');
  });

  it('the expiry tombstone sits just above its record: it never hides a later write', () => {
    const { store, wall } = makeStore({ nodeId: 'b', ms: 10_000 });
    const r1 = makeRecord('one', packTs(9_000), 'a', false, 10_100);
    const r2 = makeRecord('two', packTs(9_500), 'c');
    store.merge('k', r1);
    wall.ms = 10_200;
    store.sweepExpired(10);
    expect(store.merge('k', r2)).toBe('applied');
    expect(store.get('k')).toBe('two');
  });

  it('concurrent EXPIRE and PERSIST: the later version wins on both replicas', () => {
    const a = makeStore({ nodeId: 'a', ms: 10_000 });
    const b = makeStore({ nodeId: 'b', ms: 10_000 });
    const base = a.store.set('k', 'v', 60_000);
    b.store.merge('k', base);
    a.wall.ms = 10_001;
    b.wall.ms = 10_002;
    a.store.expire('k', 11_000);
    b.store.persist('k');
    const va = a.store.getVersion('k');
    const vb = b.store.getVersion('k');
    if (va === undefined || vb === undefined) throw new Error('missing versions');
    a.store.merge('k', vb);
    b.store.merge('k', va);
    expect(a.store.getVersion('k')).toEqual(vb);
    expect(b.store.getVersion('k')).toEqual(vb);
    a.wall.ms = b.wall.ms = 20_000;
    expect(a.store.get('k')).toBe('v');
    expect(a.store.tree.rootHex()).toBe(b.store.tree.rootHex());
  });
});

describe('Store expiry: sweep, tombstone collection, restart', () => {
  it('sweeps at most maxKeys per step, earliest first, and says when more are due', () => {
    const { store, wall } = makeStore({ ms: 10_000 });
    for (let i = 0; i < 25; i++) store.set(`k${i}`, 'v', 10_100 + i);
    store.set('late', 'v', 99_000);
    wall.ms = 10_200;
    expect(store.sweepExpired(10)).toEqual({ expired: 10, more: true });
    expect(store.getVersion('k9')?.deleted).toBe(true);
    expect(store.keysWithExpiry).toBe(16);
    expect(store.sweepExpired(10)).toEqual({ expired: 10, more: true });
    expect(store.sweepExpired(10)).toEqual({ expired: 5, more: false });
    expect(store.sweepExpired(10)).toEqual({ expired: 0, more: false });
    expect(store.keysWithExpiry).toBe(1);
    expect(store.size).toBe(1);
    expect(store.tree.rootHex()).toBe(rebuiltRoot(store));
  });

  it('an expiry tombstone keeps the grace from its expiry, not from its write', () => {
    const { store } = makeStore({ ms: 100_000 });
    store.merge('k', makeRecord('v', packTs(1_000), 'a', false, 50_000));
    expect(store.getVersion('k')?.deleted).toBe(true);
    expect(store.collectTombstones(packTs(40_000))).toBe(0);
    expect(store.collectTombstones(packTs(50_001))).toBe(1);
    expect(store.recordCount).toBe(0);
  });

  it('persists expiries; a key that expired while the node was down is gone after the restart', async () => {
    const disk = `expiry-${Math.random()}`;
    const wall = { ms: 10_000 };
    const open = () => new Store({ nodeId: 'n1', engine: new MapEngine(disk), clock: new HybridClock({ now: () => wall.ms }) });
    const first = open();
    await first.load();
    first.set('short', 'a', 11_000);
    first.set('long', 'b', 99_000);
    first.set('plain', 'c');
    const root = first.tree.rootHex();
    await first.close();

    const again = open();
    await again.load();
    expect(again.tree.rootHex()).toBe(root);
    expect(again.expireAtOf('long')).toBe(99_000);
    await again.close();

    wall.ms = 12_000;
    const later = open();
    await later.load();
    expect(later.get('short')).toBeUndefined();
    expect(later.getVersion('short')).toMatchObject({ deleted: true, expireAt: 11_000 });
    expect(later.get('long')).toBe('b');
    expect(later.size).toBe(2);
    expect(later.keysWithExpiry).toBe(1);
  });
});

describe('version digest with expiry', () => {
  it('a version without expiry digests as before; an expiry changes the digest', () => {
    const plain = versionDigest('k', 'v', 5, 'n', false);
    expect(versionDigest('k', 'v', 5, 'n', false, 0)).toEqual(plain);
    expect(versionDigest('k', 'v', 5, 'n', false, 1)).not.toEqual(plain);
    expect(versionDigest('k', 'v', 5, 'n', false, 1)).not.toEqual(versionDigest('k', 'v', 5, 'n', false, 2));
    expect(versionDigest('k', '', 5, 'n', true, 7)).not.toEqual(versionDigest('k', '', 5, 'n', true));
  });
});
