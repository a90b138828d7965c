import fc from 'fast-check';
import type { VersionedRecord } from '@merklekv/storage';
import { batchEvents, Outbox, type EventBatch } from './outbox.js';

const rec = (value: string, ts: number): VersionedRecord => ({ value, ts, node: 'n1', deleted: false });
const batchOf = (events: ReadonlyArray<{ key: string; record: VersionedRecord }>): EventBatch => ({ keys: events.map((e) => e.key), records: events.map((e) => e.record) });
const take = (box: Outbox, maxEvents: number, maxBytes: number) => batchEvents(box.take(maxEvents, maxBytes));

describe('Outbox', () => {
  it('coalesces writes of a queued key in place: a hot key never grows the queue', () => {
    const box = new Outbox(2);
    for (let i = 0; i < 1000; i++) expect(box.offer('hot', rec(`v${i}`, i))).toBe(true);
    expect(box.size).toBe(1);
    expect(take(box, 10, 1e9)).toEqual([{ key: 'hot', record: rec('v999', 999) }]);
    expect(box.dropped).toBe(0);
  });

  it('drops and counts new keys beyond the limit, but still updates queued keys', () => {
    const box = new Outbox(3);
    for (const k of ['a', 'b', 'c', 'd', 'e']) box.offer(k, rec(k, 1));
    expect(box.size).toBe(3);
    expect(box.dropped).toBe(2);
    expect(box.offer('a', rec('a2', 2))).toBe(true);
    expect(take(box, 10, 1e9).map((e) => e.record.value)).toEqual(['a2', 'b', 'c']);
  });

  it('takes oldest first, bounded by count and by bytes (at least one event)', () => {
    const box = new Outbox(100);
    for (let i = 0; i < 10; i++) box.offer(`k${i}`, rec('x'.repeat(100), i));
    expect(take(box, 3, 1e9).map((e) => e.key)).toEqual(['k0', 'k1', 'k2']);
    expect(take(box, 100, 250).map((e) => e.key)).toEqual(['k3', 'k4']);
    expect(take(box, 100, 1).map((e) => e.key)).toEqual(['k5']);
    expect(box.size).toBe(4);
  });

  it('requeues failed events unless a newer version is queued; overflow counts as dropped', () => {
    const box = new Outbox(2);
    box.offer('a', rec('new', 9));
    box.requeue(
      batchOf([
        { key: 'a', record: rec('old', 1) },
        { key: 'b', record: rec('b', 1) },
        { key: 'c', record: rec('c', 1) },
      ]),
    );
    expect(take(box, 10, 1e9).map((e) => e.record.value)).toEqual(['new', 'b']);
    expect(box.dropped).toBe(1);
  });

  it('requeues batches failing together in any order: each key keeps its newest version', () => {
    const box = new Outbox(10);
    box.requeue(batchOf([{ key: 'k', record: rec('older', 1) }, { key: 'x', record: rec('x', 1) }]));
    box.requeue(batchOf([{ key: 'k', record: rec('newer', 2) }]));
    box.requeue(batchOf([{ key: 'k', record: rec('oldest', 0) }]));
    expect(take(box, 10, 1e9).map((e) => [e.key, e.record.value])).toEqual([
      ['k', 'newer'],
      ['x', 'x'],
    ]);
  });
});

describe('Outbox (model)', () => {
  it('behaves like an insertion-ordered map of the newest queued version per key, bounded by limit', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('offer' as const), key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), ts: fc.nat(1000) }),
      fc.record({ kind: fc.constant('take' as const), max: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constant('requeue' as const), key: fc.constantFrom('a', 'b', 'g', 'h'), ts: fc.nat(1000) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 80 }), (limit, ops) => {
        const box = new Outbox(limit);
        const model = new Map<string, VersionedRecord>();
        let dropped = 0;
        for (const o of ops) {
          if (o.kind === 'offer' || o.kind === 'requeue') {
            const record = rec(`${o.key}${o.ts}`, o.ts);
            const known = model.has(o.key);
            if (o.kind === 'offer') expect(box.offer(o.key, record)).toBe(known || model.size < limit);
            else box.requeue(batchOf([{ key: o.key, record }]));
            if (known) {
              // An offer replaces the queued version; a requeued one replaces it only when newer.
              if (o.kind === 'offer' || record.ts > (model.get(o.key) as VersionedRecord).ts) model.set(o.key, record);
            } else if (model.size < limit) model.set(o.key, record);
            else dropped++;
          } else {
            const expected = [...model].slice(0, o.max).map(([key, record]) => ({ key, record }));
            for (const { key } of expected) model.delete(key);
            expect(take(box, o.max, 1e9)).toEqual(expected);
          }
          expect(box.size).toBe(model.size);
          expect(box.dropped).toBe(dropped);
        }
        expect(take(box, 100, 1e9)).toEqual([...model].map(([key, record]) => ({ key, record })));
      }),
    );
  });
});
