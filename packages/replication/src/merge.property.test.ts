/**
 * The replication path is a CRDT: whatever interleaving, duplication or
 * reordering of the published batches a replica sees, replicas end in the same
 * state with the same Merkle root (and that state is the LWW maximum per key).
 */
import fc from 'fast-check';
import { compareVersions, type VersionedRecord } from '@merklekv/storage';
import { ManualScheduler, settle } from './__tests__/manual-scheduler.js';
import { dump, startReplica } from './__tests__/replica.js';
import type { ChangeEvent } from './change-event.js';
import { encodeBatch } from './event-codec.js';
import { MemoryBus } from './memory-bus.js';

const KEYS = ['a', 'b', 'c', 'd', 'e'];

const eventArb = fc
  .record({
    key: fc.constantFrom(...KEYS),
    ts: fc.integer({ min: 1, max: 40 }),
    node: fc.constantFrom('n1', 'n2', 'n3'),
    deleted: fc.boolean(),
    value: fc.constantFrom('x', 'y', 'zz', ''),
  })
  .map(({ key, ts, node, deleted, value }): ChangeEvent => ({ key, record: { value: deleted ? '' : value, ts, node, deleted } }));

/** Batches (each published by one of the writers), then two delivery schedules with duplicates. */
const scenarioArb = fc
  .array(fc.array(eventArb, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 })
  .chain((batches) => {
    const deliveries = batches.flatMap((_, i) => [i, i]); // every batch may arrive twice
    const schedule = fc
      .shuffledSubarray(deliveries, { minLength: deliveries.length, maxLength: deliveries.length })
      .chain((order) => fc.subarray(order, { minLength: 0 }).map((dupes) => ({ order, dupes })))
      .map(({ order, dupes }) => [...order.filter((i, pos) => order.indexOf(i) === pos || dupes.includes(i))]);
    return fc.tuple(fc.constant(batches), schedule, schedule);
  });

async function replay(batches: ChangeEvent[][], order: number[]) {
  const bus = new MemoryBus();
  const replica = await startReplica(bus, 'replica', new ManualScheduler());
  const sender = bus.connect('sender');
  for (const i of order) {
    const batch = batches[i] ?? [];
    await sender.publish('test/updates', encodeBatch(`publisher-${i % 3}`, batch));
  }
  await settle();
  return replica;
}

describe('merge through the replication path', () => {
  it('any interleaving, duplication or reordering gives identical state and Merkle roots', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ([batches, order1, order2]) => {
        const r1 = await replay(batches, order1);
        const r2 = await replay(batches, order2);
        expect(dump(r1.store, KEYS)).toEqual(dump(r2.store, KEYS));
        expect(r1.store.tree.rootHex()).toBe(r2.store.tree.rootHex());

        const expected = new Map<string, VersionedRecord>();
        for (const { key, record } of batches.flat()) {
          const held = expected.get(key);
          if (held === undefined || compareVersions(record, held) > 0) expected.set(key, record);
        }
        for (const key of KEYS) {
          const got = r1.store.getVersion(key);
          const want = expected.get(key);
          // A version without an expiry is held with expireAt 0 (none).
          expect(got === undefined ? undefined : { ...got }).toEqual(want === undefined ? undefined : { expireAt: 0, ...want });
        }
        expect(r1.replicator.stats().rejected).toBe(0);
      }),
      { numRuns: 150 },
    );
  });
});
