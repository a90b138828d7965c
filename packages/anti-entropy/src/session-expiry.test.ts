import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { compareVersions, expiredForm, HybridClock, Store } from '@merklekv/storage';
import type { VersionedRecord } from '@merklekv/storage';
import { compareStamps, runSession, VALUE_DECIDES } from './session.js';
import type { SessionOptions } from './session-options.js';
import { storePeer } from './store-peer.js';
import { connectTcpPeer } from './tcp-peer.js';
import type { Peer, PeerProtocol2 } from './peer.js';
import { BASE_TS, keyName, seedIdentical } from './__tests__/fixtures.js';
import { WireClient } from './__tests__/wire-client.js';

/** The wall clock (ms) while the replicas are written, and later when they are synced and read. */
const T0 = BASE_TS / 1024 + 60_000;
const T1 = T0 + 10_000;

/** Two stores on one shared wall clock that the test moves from T0 to T1. */
function storesOnOneClock(): { a: Store; b: Store; advance: () => void } {
  let now = T0;
  const clock = () => new HybridClock({ now: () => now });
  return { a: new Store({ nodeId: 'a', clock: clock() }), b: new Store({ nodeId: 'b', clock: clock() }), advance: () => (now = T1) };
}

type Expiry = 'none' | 'past' | 'during' | 'future';
const EXPIRY_AT: Record<Expiry, (n: number) => number> = {
  none: () => 0,
  past: (n) => T0 - 1 - n, // already expired when written: arrives as its expiry tombstone
  during: (n) => T0 + 1 + (n % 9_000), // expires between the writes and the sync: held live, expired lazily
  future: (n) => T1 + 1_000_000 + n,
};

/** How a side holds one write: as written, as its expiry tombstone (swept there), or not at all. */
type Held = 'absent' | 'as-written' | 'swept';

/** One write of a key: unique (ts, node) per key, as every node's writes are. */
const writeArb = fc.record({
  tick: fc.integer({ min: 0, max: 40 }),
  node: fc.constantFrom('a', 'b', 'c'),
  value: fc.constantFrom('v', 'hello world', ''),
  deleted: fc.boolean(),
  expiry: fc.constantFrom<Expiry>('none', 'past', 'during', 'future'),
  n: fc.nat(100_000),
  onA: fc.constantFrom<Held>('absent', 'as-written', 'swept'),
  onB: fc.constantFrom<Held>('absent', 'as-written', 'swept'),
});
type Write = typeof writeArb extends fc.Arbitrary<infer T> ? T : never;

const keysArb = fc.array(fc.uniqueArray(writeArb, { minLength: 1, maxLength: 3, selector: (w) => `${w.tick}/${w.node}` }), {
  minLength: 1,
  maxLength: 60,
});

function record(w: Write): VersionedRecord {
  const expireAt = EXPIRY_AT[w.expiry](w.n);
  return w.deleted
    ? { value: '', ts: BASE_TS + w.tick * 7, node: w.node, deleted: true, expireAt: 0 }
    : { value: `${w.value}-${w.tick}-${w.node}`, ts: BASE_TS + w.tick * 7, node: w.node, deleted: false, expireAt };
}

/** What a side holds of a write, or undefined. A swept write is its expiry tombstone (only for one that has expired by T1). */
function held(w: Write, how: Held): VersionedRecord | undefined {
  const r = record(w);
  if (how === 'absent') return undefined;
  if (how === 'swept' && !r.deleted && (r.expireAt ?? 0) !== 0 && (r.expireAt ?? 0) <= T1) return expiredForm(r);
  return r;
}

/** The version every replica must end with: the LWW winner of all it was given, expired at T1 if due. */
function expected(writes: readonly Write[]): VersionedRecord | undefined {
  let best: VersionedRecord | undefined;
  for (const w of writes) {
    for (const v of [held(w, w.onA), held(w, w.onB)]) if (v !== undefined && (best === undefined || compareVersions(v, best) > 0)) best = v;
  }
  if (best === undefined) return undefined;
  const e = best.expireAt ?? 0;
  return !best.deleted && e !== 0 && e <= T1 ? expiredForm(best) : best;
}

type Scenario = 'bulk-pull' | 'bulk-push' | 'stamps' | 'tree';
const SCENARIO_OPTS: Record<Scenario, SessionOptions> = { 'bulk-pull': { path: 'bulk' }, 'bulk-push': { path: 'bulk' }, stamps: { path: 'bulk' }, tree: { path: 'tree' } };

/** `peer` counting its protocol-2 record, stamp and push calls. */
function counting(peer: Peer): { peer: Peer; calls: { records: number; stamps: number; putMany: number } } {
  const calls = { records: 0, stamps: 0, putMany: 0 };
  const p2 = peer.protocol2 as PeerProtocol2;
  const protocol2: PeerProtocol2 = {
    ...p2,
    records: (paths) => ((calls.records += 1), p2.records(paths)),
    stamps: (paths) => ((calls.stamps += 1), p2.stamps(paths)),
    putMany: (versions) => ((calls.putMany += 1), p2.putMany(versions)),
  };
  return { peer: { ...peer, protocol2 }, calls };
}

async function syncWithExpiries(keys: ReadonlyArray<readonly Write[]>, scenario: Scenario, sharedKeys: number, over: 'store' | 'wire'): Promise<void> {
  const { a, b, advance } = storesOnOneClock();
  let shared = scenario === 'stamps' || scenario === 'tree' ? sharedKeys : 0;
  // Both sides hold `shared` identical keys too (at least 100 for stamps: subtrees both sides hold).
  if (scenario === 'stamps') shared += 100;
  seedIdentical(a, b, shared);
  keys.forEach((writes, i) => {
    for (const w of writes) {
      const onA = held(w, scenario === 'bulk-pull' ? 'absent' : w.onA);
      const onB = held(w, scenario === 'bulk-push' ? 'absent' : w.onB);
      if (onA !== undefined) a.merge(`x:${i}`, onA);
      if (onB !== undefined) b.merge(`x:${i}`, onB);
    }
  });
  advance();

  const { peer, calls } = counting(over === 'store' ? storePeer(b) : connectTcpPeer('wire:1', { createClient: () => new WireClient(b) }));
  const report = await runSession(a, peer, SCENARIO_OPTS[scenario]);

  if (report.mode !== 'in-sync') {
    // The path the scenario is about was taken (when there was anything to move).
    if (scenario === 'bulk-pull') expect(calls.records).toBeGreaterThan(0);
    if (scenario === 'bulk-push') expect(calls.putMany).toBeGreaterThan(0);
    if (scenario === 'stamps') expect(calls.stamps).toBeGreaterThan(0);
  }
  expect(a.tree.rootHex()).toBe(b.tree.rootHex());
  keys.forEach((writes, i) => {
    const key = `x:${i}`;
    const given = writes.map((w) => ({
      ...w,
      onA: scenario === 'bulk-pull' ? ('absent' as const) : w.onA,
      onB: scenario === 'bulk-push' ? ('absent' as const) : w.onB,
    }));
    const want = expected(given);
    const wantValue = want === undefined || want.deleted ? undefined : want.value;
    for (const store of [a, b]) {
      expect([key, store.getVersion(key)]).toEqual([key, want === undefined ? undefined : { ...want, expireAt: want.expireAt ?? 0 }]);
      expect([key, store.get(key)]).toEqual([key, wantValue]);
      // Nothing readable past its expiry on either side: a live value's expireAt is none or still ahead.
      const e = store.expireAtOf(key);
      if (e !== undefined) expect(e === 0 || e > T1).toBe(true);
    }
  });
  for (let i = 0; i < shared; i++) expect(a.get(keyName(i))).toBe(b.get(keyName(i)));
}

describe('runSession with key expiry (peer protocol 2)', () => {
  for (const over of ['wire', 'store'] as const) {
    it(`carries expireAt on the bulk, stamps and tree paths: equal roots and state, nothing readable past its expiry (property, ${over} peer)`, async () => {
      await fc.assert(
        fc.asyncProperty(keysArb, fc.constantFrom<Scenario>('bulk-pull', 'bulk-push', 'stamps', 'tree'), fc.integer({ min: 0, max: 300 }), async (keys, scenario, shared) => {
          await syncWithExpiries(keys, scenario, shared, over);
        }),
        { numRuns: 60 },
      );
    });
  }

  it('repairs two versions that differ only in expireAt (same ts, node and value) on the stamps and tree paths', async () => {
    for (const path of ['bulk', 'tree'] as const) {
      const { a, b, advance } = storesOnOneClock();
      seedIdentical(a, b, 200);
      a.merge('k', { value: 'v', ts: BASE_TS + 5, node: 'c', deleted: false, expireAt: T1 + 5_000 });
      b.merge('k', { value: 'v', ts: BASE_TS + 5, node: 'c', deleted: false, expireAt: T1 + 9_000 });
      advance();
      const { peer, calls } = counting(connectTcpPeer('wire:1', { createClient: () => new WireClient(b) }));
      const report = await runSession(a, peer, { path });
      if (path === 'bulk') expect(calls.stamps).toBeGreaterThan(0);
      expect({ path, ...report }).toMatchObject({ path, pulled: 1, pushed: 0, confirmed: true });
      expect(a.expireAtOf('k')).toBe(T1 + 9_000);
      expect(a.tree.rootHex()).toBe(b.tree.rootHex());
    }
  });

  it('orders stamps by the LWW order, expireAt included, and says when only the value can decide', () => {
    const s = (ts: number, node: string, deleted: boolean, expireAt = 0) => ({ ts, node, deleted, expireAt });
    expect(compareStamps(s(2, 'a', false), s(1, 'b', true))).toBeGreaterThan(0);
    expect(compareStamps(s(1, 'a', false), s(1, 'b', false))).toBeLessThan(0);
    expect(compareStamps(s(1, 'a', true, 50), s(1, 'a', false, 50))).toBeGreaterThan(0);
    expect(compareStamps(s(1, 'a', true, 60), s(1, 'a', true, 50))).toBeGreaterThan(0);
    expect(compareStamps(s(1, 'a', false, 50), s(1, 'a', false, 50))).toBe(0);
    expect(compareStamps(s(1, 'a', false, 60), s(1, 'a', false, 50))).toBeNaN();
    expect(VALUE_DECIDES).toBeNaN();
  });

  it('agrees with compareVersions on the stamps with the values left out, except where only the value decides (property)', () => {
    const stamp = fc.record({
      ts: fc.integer({ min: 0, max: 3 }),
      node: fc.constantFrom('a', 'b'),
      deleted: fc.boolean(),
      expireAt: fc.constantFrom(0, 50, 60),
    });
    fc.assert(
      fc.property(stamp, stamp, (a, b) => {
        const got = compareStamps(a, b);
        const want = Math.sign(compareVersions({ ...a, value: '' }, { ...b, value: '' }));
        const valueFirst = want !== 0 && !a.deleted && !b.deleted && a.ts === b.ts && a.node === b.node;
        if (valueFirst) expect(got).toBeNaN();
        else expect(Math.sign(got)).toBe(want);
      }),
      { numRuns: 500 },
    );
  });
});
