import type { VersionedRecord } from '@merklekv/storage';
import { Outbox, RecentEvents } from './outbox.js';

const rec = (value: string, ts: number): VersionedRecord => ({ value, ts, node: 'n1', deleted: false });

describe('Outbox', () => {
  it('coalesces writes of a queued key in place: a hot key never grows the queue', () => {
    const box = new Outbox(2);
    for (let i = 0; i < 1000; i++) expect(box.offer('hot', rec(`v${i}`, i))).toBe(true);
    expect(box.size).toBe(1);
    expect(box.take(10, 1e9)).toEqual([{ key: 'hot', record: rec('v999', 999) }]);
    expect(box.dropped).toBe(0);
  });

  it('drops and counts new keys beyond the limit, but still updates queued keys', () => {
    const box = new Outbox(3);
    for (const k of ['a', 'b', 'c', 'd', 'e']) box.offer(k, rec(k, 1));
    expect(box.size).toBe(3);
    expect(box.dropped).toBe(2);
    expect(box.offer('a', rec('a2', 2))).toBe(true);
    expect(box.take(10, 1e9).map((e) => e.record.value)).toEqual(['a2', 'b', 'c']);
  });

  it('takes oldest first, bounded by count and by bytes (at least one event)', () => {
    const box = new Outbox(100);
    for (let i = 0; i < 10; i++) box.offer(`k${i}`, rec('x'.repeat(100), i));
    expect(box.take(3, 1e9).map((e) => e.key)).toEqual(['k0', 'k1', 'k2']);
    expect(box.take(100, 250).map((e) => e.key)).toEqual(['k3', 'k4']);
    expect(box.take(100, 1).map((e) => e.key)).toEqual(['k5']);
    expect(box.size).toBe(4);
  });

  it('requeues failed events unless a newer version is queued; overflow counts as dropped', () => {
    const box = new Outbox(2);
    box.offer('a', rec('new', 9));
    box.requeue([
      { key: 'a', record: rec('old', 1) },
      { key: 'b', record: rec('b', 1) },
      { key: 'c', record: rec('c', 1) },
    ]);
    expect(box.take(10, 1e9).map((e) => e.record.value)).toEqual(['new', 'b']);
    expect(box.dropped).toBe(1);
  });
});

describe('RecentEvents', () => {
  it('keeps the newest version of each key, and at least the last limit/2 keys, never more than limit', () => {
    const recent = new RecentEvents(4);
    recent.remember([1, 2, 3].map((i) => ({ key: `k${i}`, record: rec(`v${i}`, i) })));
    recent.remember([{ key: 'k2', record: rec('v2b', 10) }]);
    recent.remember([{ key: 'k3', record: rec('older', 0) }]);
    const held = new Map([...recent.events()].map((e) => [e.key, e.record.value]));
    expect(held.get('k2')).toBe('v2b');
    expect(held.get('k3')).toBe('v3');
    for (let i = 100; i < 200; i++) {
      recent.remember([{ key: `k${i}`, record: rec('x', i) }]);
      const keys = [...recent.events()].map((e) => e.key);
      expect(keys.length).toBeLessThanOrEqual(4);
      expect(keys).toEqual(expect.arrayContaining(i > 100 ? [`k${i}`, `k${i - 1}`] : [`k${i}`]));
      expect(recent.size).toBe(keys.length);
    }
  });

  it('holds nothing with a limit of 0', () => {
    const recent = new RecentEvents(0);
    recent.remember([{ key: 'k', record: rec('v', 1) }]);
    expect(recent.size).toBe(0);
  });
});
