import fc from 'fast-check';
import type { VersionedRecord } from '@merklekv/storage';
import { encodeBatch } from './event-codec.js';
import { RecentEvents } from './recent-events.js';

const rec = (value: string, ts: number): VersionedRecord => ({ value, ts, node: 'n1', deleted: false });
/** Remembers `events` as the replicator does: the batch's bytes as published by node n1. */
const remember = (recent: RecentEvents, events: ReadonlyArray<{ key: string; record: VersionedRecord }>): void => recent.remember(encodeBatch('n1', events), events.length);

describe('RecentEvents', () => {
  it('keeps the newest version of each key among the last limit changes', () => {
    const recent = new RecentEvents(4);
    remember(recent, [1, 2, 3].map((i) => ({ key: `k${i}`, record: rec(`v${i}`, i) })));
    remember(recent, [{ key: 'k2', record: rec('v2b', 10) }]);
    remember(recent, [{ key: 'k3', record: rec('older', 0) }]);
    const held = new Map([...recent.events()].map((e) => [e.key, e.record.value]));
    expect(held.get('k2')).toBe('v2b');
    expect(held.get('k3')).toBe('v3');
    for (let i = 100; i < 200; i++) {
      remember(recent, [{ key: `k${i}`, record: rec('x', i) }]);
      const keys = [...recent.events()].map((e) => e.key);
      expect(keys.length).toBeLessThanOrEqual(4);
      expect(keys).toEqual(expect.arrayContaining(i > 100 ? [`k${i}`, `k${i - 1}`] : [`k${i}`]));
      expect(recent.size).toBe(keys.length);
    }
  });

  it('gives back every kind of version exactly as published: tombstones, other writers, expiry', () => {
    const recent = new RecentEvents(10);
    const events = [
      { key: 'live', record: rec('v', 5) },
      { key: 'gone', record: { value: '', ts: 6, node: 'n1', deleted: true } },
      { key: 'theirs', record: { value: 'w', ts: 7, node: 'n2', deleted: false } },
      { key: 'theirs-gone', record: { value: '', ts: 8, node: 'n2', deleted: true } },
      { key: 'expiring', record: { value: 'e', ts: 9, node: 'n1', deleted: false, expireAt: 1_790_000_060_000 } },
      { key: 'quoted "é"', record: rec('line\\with "quotes" and ü', 10) },
    ];
    remember(recent, events);
    expect([...recent.events()]).toEqual(events);
  });

  it('holds nothing with a limit of 0', () => {
    const recent = new RecentEvents(0);
    remember(recent, [{ key: 'k', record: rec('v', 1) }]);
    expect(recent.size).toBe(0);
  });
});

describe('RecentEvents (window)', () => {
  it('holds exactly the last limit changes, deduplicated to the newest version of each key', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'), ts: fc.nat(50) }), { maxLength: 6 }), { maxLength: 30 }),
        (limit, batches) => {
          const recent = new RecentEvents(limit);
          const all: Array<{ key: string; record: VersionedRecord }> = [];
          for (const b of batches) {
            const events = b.map(({ key, ts }) => ({ key, record: rec(`${key}${ts}`, ts) }));
            remember(recent, events);
            all.push(...events);
          }
          const expected = lastWindow(all, limit);
          const held = [...recent.events()];
          expect(new Map(held.map((e) => [e.key, e.record]))).toEqual(expected);
          expect(held).toHaveLength(expected.size);
          expect(recent.size).toBe(expected.size);
        },
      ),
    );
  });
});

describe('RecentEvents (byte buffer)', () => {
  it('keeps a copy: the published Buffer may be reused or dropped at once', () => {
    const recent = new RecentEvents(10);
    const payload = encodeBatch('n1', [{ key: 'k', record: rec('v', 1) }]);
    recent.remember(payload, 1);
    payload.fill(0x20);
    expect([...recent.events()]).toEqual([{ key: 'k', record: rec('v', 1) }]);
  });

  it('gives back the same window while its bytes are moved down and the buffer grows (large values)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd', 'e'), ts: fc.nat(50), size: fc.integer({ min: 0, max: 40_000 }) }), { minLength: 1, maxLength: 4 }), { maxLength: 40 }),
        (limit, batches) => {
          const recent = new RecentEvents(limit);
          const all: Array<{ key: string; record: VersionedRecord }> = [];
          for (const b of batches) {
            const events = b.map(({ key, ts, size }) => ({ key, record: rec(`${key}${ts}:${'x'.repeat(size)}`, ts) }));
            remember(recent, events);
            all.push(...events);
            const expected = lastWindow(all, limit);
            expect(new Map([...recent.events()].map((e) => [e.key, e.record]))).toEqual(expected);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

/** The model: the newest version per key among the last `limit` events remembered. */
function lastWindow(all: ReadonlyArray<{ key: string; record: VersionedRecord }>, limit: number): Map<string, VersionedRecord> {
  const expected = new Map<string, VersionedRecord>();
  for (const { key, record } of all.slice(Math.max(0, all.length - limit))) {
    const known = expected.get(key);
    if (known === undefined || known.ts <= record.ts) expected.set(key, record);
  }
  return expected;
}
