import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ExpiryHeap } from './expiry-heap.js';

type Op = { kind: 'set'; slot: number; at: number } | { kind: 'remove'; slot: number } | { kind: 'pop' } | { kind: 'count'; now: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), slot: fc.nat({ max: 3000 }), at: fc.integer({ min: 1, max: 100 }) }),
  fc.record({ kind: fc.constant('remove' as const), slot: fc.nat({ max: 3000 }) }),
  fc.constant({ kind: 'pop' as const }),
  fc.record({ kind: fc.constant('count' as const), now: fc.integer({ min: 0, max: 101 }) }),
);

describe('ExpiryHeap', () => {
  it('property: behaves as a map slot → expireAt whose minimum it yields, with due counts', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 300 }), (ops) => {
        const heap = new ExpiryHeap();
        const model = new Map<number, number>();
        for (const op of ops) {
          if (op.kind === 'set') {
            heap.set(op.slot, `k${op.slot}`, op.at);
            model.set(op.slot, op.at);
          } else if (op.kind === 'remove') {
            heap.remove(op.slot);
            model.delete(op.slot);
          } else if (op.kind === 'pop') {
            const min = Math.min(...model.values());
            expect(heap.peekAt()).toBe(model.size === 0 ? Infinity : min);
            if (model.size > 0) {
              const slot = heap.peekSlot();
              expect(model.get(slot)).toBe(min);
              expect(heap.peekKey()).toBe(`k${slot}`);
              heap.remove(slot);
              model.delete(slot);
            }
          } else {
            expect(heap.countDue(op.now)).toBe([...model.values()].filter((at) => at <= op.now).length);
          }
          expect(heap.size).toBe(model.size);
          for (const slot of [0, 1, 2999]) expect(heap.has(slot)).toBe(model.has(slot));
        }
      }),
      { numRuns: 300 },
    );
  });
});
