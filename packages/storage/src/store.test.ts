import { describe, expect, it } from '@jest/globals';
import { caught } from './__tests__/caught.js';
import { makeStore } from './__tests__/fixtures.js';
import { HybridClock, packTs } from './hlc.js';
import { makeRecord, tombstone } from './record.js';
import { Store } from './store.js';

describe('Store reads and writes', () => {
  it('sets, gets and overwrites', () => {
    const { store } = makeStore();
    expect(store.get('k')).toBeUndefined();
    const v1 = store.set('k', 'v1');
    expect(v1).toMatchObject({ value: 'v1', node: 'n1', deleted: false });
    expect(store.get('k')).toBe('v1');
    store.set('k', 'v2');
    expect(store.get('k')).toBe('v2');
    expect(store.getVersion('k')?.ts).toBeGreaterThan(v1.ts);
    expect(store.exists('k')).toBe(true);
    expect(store.size).toBe(1);
  });

  it('deletes by writing a tombstone that get and exists hide', () => {
    const { store } = makeStore();
    store.set('k', 'v');
    expect(store.delete('k')).toBe(true);
    expect(store.get('k')).toBeUndefined();
    expect(store.exists('k')).toBe(false);
    expect(store.getVersion('k')).toMatchObject({ value: '', deleted: true, node: 'n1' });
    expect(store.size).toBe(0);
    expect(store.recordCount).toBe(1);
    expect(store.delete('k')).toBe(false);
    expect(store.delete('never')).toBe(false);
    expect(store.getVersion('never')).toBeUndefined();
  });

  it('stamps a local write above the version it replaces, even one from a clock far ahead', () => {
    const { store } = makeStore({ ms: 1000 });
    const future = packTs(9_000_000);
    expect(store.merge('k', makeRecord('remote', future, 'n9'))).toBe('applied');
    const mine = store.set('k', 'local');
    expect(mine.ts).toBe(future + 1);
    expect(store.get('k')).toBe('local');
    expect(store.delete('k')).toBe(true);
    expect(store.getVersion('k')?.ts).toBe(future + 2);
  });

  it('stamps writes with the clock when it is ahead', () => {
    const { store, wall } = makeStore({ ms: 5000 });
    store.set('k', 'a');
    wall.ms = 6000;
    expect(store.set('k', 'b').ts).toBe(packTs(6000));
  });

  it('incrBy counts from 0, adds, and rejects what is not a canonical integer without changing it', () => {
    const { store } = makeStore();
    expect(store.incrBy('c', 5n)).toBe(5n);
    expect(store.incrBy('c', -7n)).toBe(-2n);
    expect(store.get('c')).toBe('-2');
    store.set('c', '9223372036854775806');
    expect(store.incrBy('c', 1n)).toBe(9223372036854775807n);
    const before = store.getVersion('c');
    const overflow = caught(() => store.incrBy('c', 1n));
    expect([overflow.code, overflow.message]).toEqual(['INTEGER_OVERFLOW', 'increment would overflow a 64-bit signed integer']);
    expect(store.getVersion('c')).toEqual(before); // the same version (versions are handed out as fresh objects)
    for (const bad of ['1.5', ' 1', '', '0x1', 'abc']) {
      store.set('s', bad);
      const err = caught(() => store.incrBy('s', 1n));
      expect([err.code, err.message]).toEqual(['NOT_AN_INTEGER', "value of 's' is not an integer"]);
      expect(store.get('s')).toBe(bad);
    }
    store.delete('c');
    expect(store.incrBy('c', 3n)).toBe(3n);
  });

  it('append and prepend start from an empty value', () => {
    const { store } = makeStore();
    expect(store.append('a', ' World!')).toBe(' World!');
    expect(store.prepend('a', 'Hello')).toBe('Hello World!');
    expect(store.prepend('p', 'x')).toBe('x');
    store.delete('p');
    expect(store.append('p', 'y')).toBe('y');
  });

  it('mset writes every entry, the last of a repeated key winning', () => {
    const { store } = makeStore();
    store.mset([
      ['a', '1'],
      ['b', '2'],
      ['a', '3'],
    ]);
    expect([store.get('a'), store.get('b'), store.size]).toEqual(['3', '2', 2]);
    store.mset([]);
    expect(store.size).toBe(2);
  });

  it('flush tombstones every live key and returns how many', () => {
    const { store } = makeStore();
    for (const k of ['a', 'b', 'c']) store.set(k, k);
    store.delete('c');
    expect(store.flush()).toBe(2);
    expect(store.size).toBe(0);
    expect(store.recordCount).toBe(3);
    expect(['a', 'b', 'c'].map((k) => store.getVersion(k)?.deleted)).toEqual([true, true, true]);
    expect(store.flush()).toBe(0);
  });

  it('rejects an empty node id', () => {
    expect(caught(() => new Store({ nodeId: '' })).code).toBe('INVALID_ARGUMENT');
  });
});

describe('Store.merge', () => {
  it('applies a newer version and keeps the held one against an older or equal one', () => {
    const { store } = makeStore();
    const local = store.set('k', 'local');
    expect(store.merge('k', makeRecord('old', local.ts - 1, 'n2'))).toBe('stale');
    expect(store.merge('k', makeRecord('local', local.ts, 'n1'))).toBe('stale');
    expect(store.get('k')).toBe('local');
    expect(store.merge('k', makeRecord('tie', local.ts, 'n2'))).toBe('applied');
    expect(store.get('k')).toBe('tie');
    expect(store.merge('k', tombstone(local.ts + 10, 'n3'))).toBe('applied');
    expect(store.exists('k')).toBe(false);
    expect(store.merge('new', makeRecord('v', 1, 'n2'))).toBe('applied');
    expect(store.get('new')).toBe('v');
  });

  it('stores its own copy of the version, in the compact record shape', () => {
    const { store } = makeStore();
    const incoming = { value: 'v', ts: 5, node: ['n', '2'].join(''), deleted: false, extra: 1 };
    store.merge('a', incoming);
    expect(store.getVersion('a')).not.toBe(incoming);
    expect(Object.keys(store.getVersion('a') ?? {})).toEqual(['value', 'ts', 'node', 'deleted', 'expireAt']);
    expect(store.getVersion('a')).toEqual(makeRecord('v', 5, 'n2'));
  });

  it('rejects versions no node could have written', () => {
    const { store } = makeStore();
    for (const bad of [
      { value: 'v', ts: -1, node: 'n', deleted: false },
      { value: 'v', ts: 1.5, node: 'n', deleted: false },
      { value: 'v', ts: 2 ** 53, node: 'n', deleted: false },
      { value: 'v', ts: 1, node: '', deleted: false },
      { value: 'v', ts: 1, node: 'n', deleted: true },
    ]) {
      expect(caught(() => store.merge('k', bad)).code).toBe('INVALID_VERSION');
    }
    expect(store.recordCount).toBe(0);
  });

  it('advances the clock past a merged ts, so the next local write is above it', () => {
    const { store } = makeStore({ ms: 10_000 });
    const remote = packTs(10_200, 3);
    store.merge('other', makeRecord('v', remote, 'n2'));
    expect(store.set('mine', 'v').ts).toBeGreaterThan(remote);
    expect(store.clockSkewEvents).toBe(0);
    expect(store.clockSkewMaxMs).toBe(200); // within the maximum offset: measured, not an event
  });

  it('merges a version far ahead as it is, but counts and reports the skew without following it', () => {
    const skews: unknown[] = [];
    const wall = { ms: 10_000 };
    const store = new Store({ nodeId: 'n1', clock: new HybridClock({ now: () => wall.ms }), onClockSkew: (e) => skews.push(e) });
    const remote = packTs(70_000);
    expect(store.merge('k', makeRecord('v', remote, 'n2'))).toBe('applied');
    expect(store.getVersion('k')?.ts).toBe(remote);
    expect(skews).toEqual([{ key: 'k', node: 'n2', ts: remote, skewMs: 60_000 }]);
    expect(store.clockSkewEvents).toBe(1);
    expect(store.clockSkewMaxMs).toBe(60_000);
    expect(store.set('other', 'v').ts).toBeLessThan(remote);
    expect(store.set('k', 'mine').ts).toBe(remote + 1);
  });
});

describe('Store.scan', () => {
  it('pages through live keys with a prefix in key order', () => {
    const { store } = makeStore();
    for (const k of ['user:3', 'user:1', 'order:1', 'user:2', 'user:10', 'userx']) store.set(k, `v-${k}`);
    store.delete('user:2');
    expect(store.scan('user:', undefined, 2)).toEqual({
      entries: [
        ['user:1', 'v-user:1'],
        ['user:10', 'v-user:10'],
      ],
      cursor: 'user:10',
    });
    expect(store.scan('user:', 'user:10', 2)).toEqual({ entries: [['user:3', 'v-user:3']], cursor: undefined });
    expect(store.scan('*', undefined, 100).entries.map(([k]) => k)).toEqual(['order:1', 'user:1', 'user:10', 'user:3', 'userx']);
    expect(store.scan('', 'user:3', 100).entries.map(([k]) => k)).toEqual(['userx']);
    expect(store.scan('nothing', undefined, 10)).toEqual({ entries: [], cursor: undefined });
  });

  it('gives no cursor when the page ends exactly at the last live key', () => {
    const { store } = makeStore();
    store.set('a', '1');
    store.set('b', '2');
    store.set('c', '3');
    store.delete('c');
    expect(store.scan('*', undefined, 2).cursor).toBeUndefined();
  });

  it('sees keys written between pages', () => {
    const { store } = makeStore();
    for (const k of ['a', 'c', 'e']) store.set(k, k);
    const first = store.scan('*', undefined, 1);
    store.set('b', 'b');
    store.set('d', 'd');
    expect(store.scan('*', first.cursor, 10).entries.map(([k]) => k)).toEqual(['b', 'c', 'd', 'e']);
  });

  it('rejects a count below 1', () => {
    const { store } = makeStore();
    expect(caught(() => store.scan('*', undefined, 0)).code).toBe('INVALID_ARGUMENT');
    expect(caught(() => store.scan('*', undefined, 1.5)).code).toBe('INVALID_ARGUMENT');
  });
});

describe('Store subscribers', () => {
  it('see local and remote changes with their origin, and nothing after unsubscribing', () => {
    const { store } = makeStore();
    const seen: Array<[string, string, boolean, string]> = [];
    const off = store.subscribe((e) => seen.push([e.key, e.record.value, e.record.deleted, e.origin]));
    store.set('a', '1');
    store.delete('a');
    store.merge('b', makeRecord('2', packTs(2_000_000), 'n2'));
    store.merge('b', makeRecord('old', 1, 'n2'));
    store.incrBy('c', 1n);
    store.mset([['d', '4']]);
    store.flush();
    store.collectTombstones(Number.MAX_SAFE_INTEGER);
    off();
    store.set('z', 'unseen');
    expect(seen).toEqual([
      ['a', '1', false, 'local'],
      ['a', '', true, 'local'],
      ['b', '2', false, 'remote'],
      ['c', '1', false, 'local'],
      ['d', '4', false, 'local'],
      ['b', '', true, 'local'],
      ['c', '', true, 'local'],
      ['d', '', true, 'local'],
    ]);
  });
});
