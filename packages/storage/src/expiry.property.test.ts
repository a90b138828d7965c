/**
 * Expiry converges (issue #16): any interleaving, duplication and reordering of SET, SETEX,
 * EXPIRE, PERSIST and DEL across three replicas, with time advancing, ends with the same visible
 * state and the same root everywhere; and at every step, on every replica, a read shows exactly
 * what the LWW winner of the versions it has seen shows at that time: never a value past its
 * expireAt (a model that knows nothing of expiry tombstones, sweeps or lazy expiry).
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { HybridClock } from './hlc.js';
import { compareVersions } from './lww.js';
import type { VersionedRecord } from './record.js';
import { Store } from './store.js';

const KEYS = ['a', 'b', 'c'] as const;
const REPLICAS = 3;

type Op =
  | { kind: 'set'; r: number; key: string; value: string }
  | { kind: 'setex'; r: number; key: string; value: string; ttl: number }
  | { kind: 'expire'; r: number; key: string; ttl: number }
  | { kind: 'persist'; r: number; key: string }
  | { kind: 'del'; r: number; key: string }
  | { kind: 'deliver'; pick: number; keep: boolean }
  | { kind: 'sweep'; r: number }
  | { kind: 'advance'; ms: number };

const replica = fc.nat({ max: REPLICAS - 1 });
const key = fc.constantFrom(...KEYS);
const value = fc.constantFrom('x', 'y', 'z');
const ttl = fc.integer({ min: -5, max: 40 });

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), r: replica, key, value }),
  fc.record({ kind: fc.constant('setex' as const), r: replica, key, value, ttl: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('expire' as const), r: replica, key, ttl }),
  fc.record({ kind: fc.constant('persist' as const), r: replica, key }),
  fc.record({ kind: fc.constant('del' as const), r: replica, key }),
  fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat(), keep: fc.boolean() }),
  fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat(), keep: fc.boolean() }),
  fc.record({ kind: fc.constant('sweep' as const), r: replica }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 15 }) }),
);

/** What a replica that has seen `versions` shows for a key at `now`: the LWW winner's value, if live and not expired. */
function visible(versions: readonly VersionedRecord[], now: number): string | undefined {
  let best: VersionedRecord | undefined;
  for (const v of versions) if (best === undefined || compareVersions(v, best) > 0) best = v;
  if (best === undefined || best.deleted) return undefined;
  const e = best.expireAt ?? 0;
  return e !== 0 && e <= now ? undefined : best.value;
}

describe('expiry across three replicas (property)', () => {
  it('any interleaving, duplication and reordering ends with one visible state and one root; no expired value is ever read', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        const wall = { ms: 1_000_000 };
        const stores = Array.from({ length: REPLICAS }, (_, i) => new Store({ nodeId: `n${i}`, clock: new HybridClock({ now: () => wall.ms }) }));
        /** Per replica, per key: every version it has seen (its own writes and what was delivered). */
        const seen = stores.map(() => new Map<string, VersionedRecord[]>());
        const inFlight: Array<{ to: number; key: string; record: VersionedRecord }> = [];
        stores.forEach((store, from) =>
          store.subscribe((e) => {
            if (e.origin !== 'local') return;
            (seen[from]?.get(e.key) ?? seen[from]?.set(e.key, []).get(e.key))?.push(e.record);
            for (let to = 0; to < REPLICAS; to++) if (to !== from) inFlight.push({ to, key: e.key, record: e.record });
          }),
        );
        const deliver = (i: number, keep: boolean) => {
          const m = inFlight[i];
          if (m === undefined) return;
          if (!keep) inFlight.splice(i, 1);
          stores[m.to]?.merge(m.key, m.record);
          const list = seen[m.to] as Map<string, VersionedRecord[]>;
          (list.get(m.key) ?? list.set(m.key, []).get(m.key))?.push(m.record);
        };
        const check = () => {
          stores.forEach((store, r) => {
            const now = store.nowMs();
            for (const k of KEYS) expect(store.get(k)).toBe(visible(seen[r]?.get(k) ?? [], now));
          });
        };

        for (const op of ops) {
          const store = 'r' in op ? (stores[op.r] as Store) : undefined;
          switch (op.kind) {
            case 'set':
              store?.set(op.key, op.value);
              break;
            case 'setex':
              store?.set(op.key, op.value, wall.ms + op.ttl);
              break;
            case 'expire':
              store?.expire(op.key, Math.max(1, wall.ms + op.ttl));
              break;
            case 'persist':
              store?.persist(op.key);
              break;
            case 'del':
              store?.delete(op.key);
              break;
            case 'deliver':
              if (inFlight.length > 0) deliver(op.pick % inFlight.length, op.keep);
              break;
            case 'sweep':
              store?.sweepExpired(2);
              break;
            case 'advance':
              wall.ms += op.ms;
              break;
          }
          check();
        }
        // Everything in flight arrives (in reverse order, to reorder once more), time moves on,
        // and every replica has swept.
        while (inFlight.length > 0) deliver(inFlight.length - 1, false);
        wall.ms += 1_000;
        check();
        for (const store of stores) store.sweepExpired(Number.POSITIVE_INFINITY);
        const [first, ...rest] = stores as [Store, ...Store[]];
        for (const other of rest) {
          expect(other.tree.rootHex()).toBe(first.tree.rootHex());
          for (const k of KEYS) expect(other.get(k)).toBe(first.get(k));
          expect(other.size).toBe(first.size);
        }
      }),
      { numRuns: 400 },
    );
  });
});
