import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { DEFAULT_SHAPE, makeShape } from '@merklekv/merkle';
import { HybridClock, Store } from '@merklekv/storage';
import type { VersionedRecord } from '@merklekv/storage';
import { AntiEntropy } from './anti-entropy.js';
import { frameUp, runSession } from './session.js';
import type { SessionOptions } from './session-options.js';
import { storePeer } from './store-peer.js';
import type { Peer } from './peer.js';
import {
  BASE_TS,
  diverge,
  dump,
  KINDS,
  keyName,
  makeStore,
  repairedKeys,
  seedIdentical,
  version,
} from './__tests__/fixtures.js';
import type { Kind } from './__tests__/fixtures.js';
import { FakeClock } from '@merklekv/test-support';

const DEPTH = DEFAULT_SHAPE.depth;
/** Root round + at most depth + 1 comparison rounds + fetch round + push round. */
const BOUND = DEPTH + 4;

/** Every record of both stores over the union of their keys. */
function state(store: Store): Array<[string, VersionedRecord | undefined]> {
  return dump(store, [...store.versions()].map(([k]) => k));
}

function copyOf(source: Store, nodeId: string): Store {
  const copy = makeStore(nodeId);
  for (const [key, v] of source.versions()) copy.merge(key, v);
  return copy;
}

async function syncAndCheck(n: number, changes: ReadonlyArray<[number, Kind]>, opts: SessionOptions = {}, peerProtocol: 2 | 3 = 3): Promise<void> {
  const a = makeStore('a');
  const b = makeStore('b');
  seedIdentical(a, b, n);
  const { push, pull } = diverge(a, b, n, changes);
  const pulledByA = repairedKeys(a);
  const pushedToB = repairedKeys(b);

  const report = await runSession(a, storePeer(b, { protocol: peerProtocol }), opts);

  const d = push.size + pull.size;
  expect(report.protocol).toBe(peerProtocol);
  expect(report.differing).toBe(d);
  expect(pulledByA).toEqual(pull);
  expect(pushedToB).toEqual(push);
  expect(report.pulled).toBe(pull.size);
  expect(report.pushed).toBe(push.size);
  expect(report.inSync).toBe(d === 0);
  expect(report.roundTrips).toBeLessThanOrEqual(d === 0 ? 1 : BOUND);
  if (d > 0) expect(report.confirmed).toBe(true);
  expect(a.tree.rootHex()).toBe(b.tree.rootHex());
  const keys = [...push, ...pull, ...Array.from({ length: n }, (_, i) => keyName(i))];
  expect(dump(a, keys)).toEqual(dump(b, keys));
}

const changesArb = (max: number) =>
  fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.constantFrom(...KINDS)), { maxLength: max, selector: ([i]) => i });

describe('runSession, peer protocol 2', () => {
  it('takes one round trip of a few hundred bytes when the replicas are identical', async () => {
    const a = makeStore('a');
    const b = makeStore('b');
    seedIdentical(a, b, 5000);
    const report = await runSession(a, storePeer(b));
    expect(report).toMatchObject({ roundTrips: 1, pulled: 0, pushed: 0, differing: 0, inSync: true, mode: 'in-sync', protocol: 3 });
    expect(report.bytes).toBeLessThan(200);
  });

  it('repairs exactly the differing keys, within depth + 4 round trips for any d, with a protocol-3 or protocol-2 peer (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2500 }), changesArb(300), fc.constantFrom<2 | 3>(2, 3), async (n, changes, protocol) => {
        await syncAndCheck(n, changes, {}, protocol);
      }),
      { numRuns: 40 },
    );
  });

  it('keeps the round-trip bound for any share of differing keys, up to all of them, on the tree and the bulk path (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(fc.constantFrom(...KINDS), { minLength: 3000, maxLength: 3000 }),
        fc.constantFrom<'auto' | 'bulk'>('auto', 'bulk'),
        async (n, share, kinds, path) => {
          const d = Math.round(share * n);
          const changes: Array<[number, Kind]> = kinds.slice(0, d).map((kind, i) => [i, kind]);
          await syncAndCheck(n, changes, { path });
        },
      ),
      { numRuns: 20 },
    );
  });

  it('keeps the bound and finds exactly the differing keys on the tree path alone, any threshold or width (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1500 }),
        changesArb(200),
        fc.integer({ min: 0, max: 64 }),
        fc.integer({ min: 2, max: 16 }),
        fc.constantFrom<2 | 3>(2, 3),
        async (n, changes, smallThreshold, hashWidth, protocol) => {
          await syncAndCheck(n, changes, { path: 'tree', smallThreshold, hashWidth }, protocol);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('ends in the same state by the bulk path, the tree path and the protocol-1 walk (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 800 }), changesArb(120), async (n, changes) => {
        const a = makeStore('a');
        const b = makeStore('b');
        seedIdentical(a, b, n);
        diverge(a, b, n, changes);
        const ends = [];
        for (const path of ['tree', 'bulk', 'legacy'] as const) {
          const [a2, b2] = [copyOf(a, 'a'), copyOf(b, 'b')];
          const report = await runSession(
            a2,
            storePeer(b2),
            path === 'legacy' ? { maxProtocol: 1 } : { path },
          );
          expect(report.mode).toBe(a.tree.rootHex() === b.tree.rootHex() ? 'in-sync' : path);
          expect(a2.tree.rootHex()).toBe(b2.tree.rootHex());
          ends.push([state(a2), state(b2)]);
        }
        expect(ends[1]).toEqual(ends[0]);
        expect(ends[2]).toEqual(ends[0]);
      }),
      { numRuns: 30 },
    );
  });

  it('fills an empty replica by streaming records: two round trips, bytes close to the records', async () => {
    const a = makeStore('a');
    const b = makeStore('b');
    for (let i = 0; i < 1100; i++) b.merge(keyName(i), version(`value-${i}`, BASE_TS + i, 'b'));
    const records = [...b.versions()].reduce((sum, [k, v]) => sum + k.length + v.value.length + 30, 0);

    const report = await runSession(a, storePeer(b));

    expect(report).toMatchObject({ mode: 'bulk', pulled: 1100, pushed: 0, roundTrips: 2, confirmed: true });
    expect(report.bytes).toBeLessThan(records * 1.2);
    expect(a.tree.rootHex()).toBe(b.tree.rootHex());
  });

  it('streams a large subtree in frames, at most `window` in flight per round trip', async () => {
    const a = makeStore('a');
    const b = makeStore('b');
    for (let i = 0; i < 3000; i++) b.merge(keyName(i), version(`v${i}`, BASE_TS + i, 'b'));
    const report = await runSession(a, storePeer(b), { frameRecords: 100, window: 4 });
    // 3000 records in frames of ~100: the tree splits into 256 subtrees grouped into ~32 frames, 4 per round trip.
    expect(report.roundTrips).toBeGreaterThanOrEqual(1 + 8);
    expect(report.pulled).toBe(3000);
    expect(a.tree.rootHex()).toBe(b.tree.rootHex());
  });

  it('pushes in rounds of at most window × frameRecords versions', async () => {
    const a = makeStore('a');
    const b = makeStore('b');
    for (let i = 0; i < 1000; i++) a.merge(keyName(i), version(`v${i}`, BASE_TS + i, 'a'));
    let calls = 0;
    const inner = storePeer(b);
    const p2 = inner.protocol2 as NonNullable<Peer['protocol2']>;
    const peer: Peer = { ...inner, protocol2: { ...p2, putMany: (v) => ((calls += 1), p2.putMany(v)) } };
    const report = await runSession(a, peer, { frameRecords: 100, window: 2 });
    expect(report.pushed).toBe(1000);
    expect(calls).toBe(5);
    expect(report.roundTrips).toBe(1 + 5);
    expect(a.tree.rootHex()).toBe(b.tree.rootHex());
  });

  it('switches to bulk when almost every bucket differs', async () => {
    const a = makeStore('a');
    const b = makeStore('b');
    for (let i = 0; i < 20_000; i++) {
      a.merge(keyName(i), version(`a${i}`, BASE_TS + 2 * i, 'a'));
      b.merge(keyName(i), version(`b${i}`, BASE_TS + 2 * i + (i % 2 === 0 ? 1 : -1), 'b'));
    }
    const report = await runSession(a, storePeer(b));
    expect(report.mode).toBe('bulk');
    expect(report.pulled + report.pushed).toBe(20_000);
    expect(report.roundTrips).toBeLessThanOrEqual(BOUND);
    expect(a.tree.rootHex()).toBe(b.tree.rootHex());
  });

  it('moves each winning version once when both sides hold different versions of every key, whichever side wins', async () => {
    for (const localWins of [true, false]) {
      const a = makeStore('a');
      const b = makeStore('b');
      for (let i = 0; i < 20_000; i++) {
        const k = `k${String(i).padStart(10, '0')}`;
        a.merge(k, version(`a${i}`.padEnd(32, 'x'), BASE_TS + 2 * i + (localWins ? 1 : 0), 'node-a'));
        b.merge(k, version(`b${i}`.padEnd(32, 'x'), BASE_TS + 2 * i + (localWins ? 0 : 1), 'node-b'));
      }
      const records = [...b.versions()].reduce((n, [k, v]) => n + `${k} ${v.ts} ${v.node} 0 ${v.value}\r\n`.length, 0);

      const report = await runSession(a, storePeer(b));

      expect(report).toMatchObject({ mode: 'bulk', pulled: localWins ? 0 : 20_000, pushed: localWins ? 20_000 : 0, confirmed: true });
      expect(report.bytes).toBeLessThan(records * 1.75);
      expect(report.roundTrips).toBeLessThanOrEqual(BOUND);
      expect(a.tree.rootHex()).toBe(b.tree.rootHex());
    }
  });

  it('does not overwrite a key written locally while its stamp was being compared (bulk path)', async () => {
    const a = makeStore('a');
    const b = makeStore('b');
    // Every key differs; the peer's version wins for the even ones, the local one for the odd ones.
    for (let i = 0; i < 20_000; i++) {
      a.merge(keyName(i), version(`a${i}`, BASE_TS + 2 * i + (i % 2), 'a'));
      b.merge(keyName(i), version(`b${i}`, BASE_TS + 2 * i + 1 - (i % 2), 'b'));
    }
    const inner = storePeer(b);
    const peer: Peer = {
      ...inner,
      getVersions: (keys) => {
        // An MQTT update of one of the keys to pull lands between the stamps and the read.
        a.merge(keyName(4), version('mqtt', BASE_TS + 9_999_999, 'c'));
        return inner.getVersions(keys);
      },
    };

    const report = await runSession(a, peer);

    expect(report).toMatchObject({ mode: 'bulk', skipped: 1, pulled: 9_999, pushed: 10_000 });
    expect(a.get(keyName(4))).toBe('mqtt');
    expect(b.get(keyName(4))).toBe('b4');
    expect(a.get(keyName(6))).toBe('b6');
    expect(b.get(keyName(7))).toBe('a7');
  });

  it('lets a delete beat an older value, in both directions and on both paths, and never resurrects it', async () => {
    for (const path of ['tree', 'bulk'] as const) {
      const a = makeStore('a');
      const b = makeStore('b');
      seedIdentical(a, b, 100);
      a.merge('pulled-delete', version('old', BASE_TS, 'a'));
      b.merge('pulled-delete', version('', BASE_TS + 10, 'b', true));
      a.merge('pushed-delete', version('', BASE_TS + 10, 'a', true));
      b.merge('pushed-delete', version('old', BASE_TS, 'b'));

      const report = await runSession(a, storePeer(b), { path });

      expect(report).toMatchObject({ pulled: 1, pushed: 1, mode: path });
      for (const store of [a, b]) {
        expect(store.get('pulled-delete')).toBeUndefined();
        expect(store.get('pushed-delete')).toBeUndefined();
        expect(store.getVersion('pulled-delete')?.deleted).toBe(true);
        expect(store.getVersion('pushed-delete')?.deleted).toBe(true);
      }
      expect(await runSession(b, storePeer(a))).toMatchObject({ inSync: true, pulled: 0, pushed: 0 });
    }
  });

  it('skips a key whose local version changed since the comparison, and does not overwrite it', async () => {
    const a = makeStore('a');
    const b = makeStore('b');
    seedIdentical(a, b, 200);
    a.merge('k', version('a-old', BASE_TS, 'a'));
    b.merge('k', version('b-newer', BASE_TS + 5, 'b'));
    a.merge('other', version('x', BASE_TS, 'a'));
    const inner = storePeer(b);
    const peer: Peer = {
      ...inner,
      getVersions: (keys) => {
        // The replicated write reaches a while the session is running.
        a.merge('k', version('mqtt', BASE_TS + 7, 'c'));
        return inner.getVersions(keys);
      },
    };

    const report = await runSession(a, peer, { path: 'tree' });

    expect(report).toMatchObject({ differing: 2, skipped: 1, pulled: 0, pushed: 1 });
    expect(a.get('k')).toBe('mqtt');
    expect(b.get('k')).toBe('b-newer');
    expect(b.get('other')).toBe('x');
  });

  it('confirms with full-width roots and reruns at full width when a truncated hash hid a difference', async () => {
    // A 1-byte width over 4,000 keys: entries whose digests agree in their first byte (1 in 256) look equal.
    const a = makeStore('a');
    const b = makeStore('b');
    seedIdentical(a, b, 4000);
    for (let i = 0; i < 4000; i += 4) b.merge(keyName(i), version(`changed-${i}`, BASE_TS + 10_000 + i, 'b'));

    const report = await runSession(a, storePeer(b), { hashWidth: 1, path: 'tree', smallThreshold: 4 });

    expect(report.pulled).toBe(1000);
    expect(report.confirmed).toBe(true);
    // The first pass missed keys hidden by 1-byte collisions; the full-width pass found them.
    expect(report.roundTrips).toBeGreaterThan(BOUND);
    expect(a.tree.rootHex()).toBe(b.tree.rootHex());
  });

  it('falls back to the protocol-1 walk with a peer that only speaks the old commands', async () => {
    const a = makeStore('a');
    const b = makeStore('b');
    seedIdentical(a, b, 300);
    const { push, pull } = diverge(a, b, 300, [
      [3, 'onlyA'],
      [40, 'newerB'],
      [77, 'deleteA'],
      [350, 'onlyB'],
    ]);
    const old = storePeer(b, { protocol: 1 });
    const legacy: Peer = { ...old, protocol2: { ...(old.protocol2 as NonNullable<Peer['protocol2']>), children: () => Promise.reject(new Error('an old node has no TREES')) } };

    const report = await runSession(a, legacy);

    expect(report).toMatchObject({ protocol: 1, mode: 'legacy', pulled: pull.size, pushed: push.size });
    expect(a.tree.rootHex()).toBe(b.tree.rootHex());
  });

  it('logs one clear line per peer that speaks protocol 1 only, however many sessions run', async () => {
    const a = makeStore('a');
    const b = makeStore('b');
    a.merge('x', version('1', BASE_TS, 'a'));
    const warnings: string[] = [];
    const logger = { debug: () => {}, info: () => {}, warn: (_: object, msg?: string) => void warnings.push(msg ?? ''), error: () => {} };
    const ae = new AntiEntropy({
      store: a,
      peers: () => ['127.0.0.1:1'],
      intervalMs: 60_000,
      maxConcurrent: 1,
      connect: () => storePeer(b, { protocol: 1 }),
      timers: new FakeClock(),
      logger,
    });
    await ae.syncNow('127.0.0.1:1');
    a.merge('y', version('2', BASE_TS, 'a'));
    await ae.syncNow('127.0.0.1:1');
    // The last session per peer, as a status page reads it.
    expect(ae.stats().peers).toEqual([
      expect.objectContaining({ address: '127.0.0.1:1', ok: true, keysRepaired: 1, roundTrips: expect.any(Number) }),
    ]);
    await ae.stop();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/peer 127\.0\.0\.1:1 speaks peer protocol 1 only .*upgrade it/);
    expect(b.get('y')).toBe('2');
  });

  it('speaks protocol 2 (text TREES and ENTRIES) with a protocol-2 peer, and logs that once per peer', async () => {
    const a = makeStore('a');
    const b = makeStore('b');
    seedIdentical(a, b, 2000);
    const { push, pull } = diverge(a, b, 2000, [
      [3, 'onlyA'],
      [40, 'newerB'],
      [77, 'deleteA'],
      [2050, 'onlyB'],
    ]);
    const [a3, b3] = [copyOf(a, 'a'), copyOf(b, 'b')];
    const old = await runSession(a, storePeer(b, { protocol: 2 }), { path: 'tree' });
    const packed = await runSession(a3, storePeer(b3), { path: 'tree' });
    expect(old).toMatchObject({ protocol: 2, mode: 'tree', pulled: pull.size, pushed: push.size, confirmed: true });
    expect(packed).toMatchObject({ protocol: 3, mode: 'tree', pulled: pull.size, pushed: push.size, confirmed: true, roundTrips: old.roundTrips });
    // The same walk, in fewer bytes.
    expect(packed.bytes).toBeLessThan(old.bytes);
    expect(state(a)).toEqual(state(a3));
    expect(a.tree.rootHex()).toBe(b.tree.rootHex());

    const warnings: string[] = [];
    const logger = { debug: () => {}, info: () => {}, warn: (_: object, msg?: string) => void warnings.push(msg ?? ''), error: () => {} };
    const c = makeStore('c');
    const ae = new AntiEntropy({ store: c, peers: () => [], intervalMs: 60_000, maxConcurrent: 1, connect: () => storePeer(b, { protocol: 2 }), timers: new FakeClock(), logger });
    c.merge('x', version('1', BASE_TS, 'c'));
    await ae.syncNow('127.0.0.1:2');
    c.merge('y', version('2', BASE_TS, 'c'));
    await ae.syncNow('127.0.0.1:2');
    await ae.stop();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/peer 127\.0\.0\.1:2 speaks peer protocol 2 \(it answered PEERV 3 with PEERV 2\).*upgrade it for protocol 3/);
    expect(b.get('y')).toBe('2');
  });

  it('frames a large subtree by splitting it evenly, and groups small ones up to the frame size', () => {
    const big = frameUp([{ path: [], localCount: 0, remoteCount: 1_000_000 }], 16_384, DEFAULT_SHAPE);
    expect(big).toHaveLength(64); // 256 level-2 subtrees of ~3,906 records, 4 per frame
    expect(big.every((f) => f.length === 4 && f.every((p) => p.length === 2))).toBe(true);
    const small = frameUp(
      Array.from({ length: 10 }, (_, i) => ({ path: [i], localCount: 1, remoteCount: 30 })),
      100,
      DEFAULT_SHAPE,
    );
    expect(small.map((f) => f.length)).toEqual([3, 3, 3, 1]);
    // A bucket is never split further, however large.
    expect(frameUp([{ path: [1, 2, 3, 4], localCount: 0, remoteCount: 500 }], 10, DEFAULT_SHAPE)).toEqual([[[1, 2, 3, 4]]]);
  });

  it('refuses to compare trees of different shapes', async () => {
    const a = makeStore('a');
    const b = new Store({ nodeId: 'b', shape: makeShape(4, 2), clock: new HybridClock() });
    b.set('k', 'v');
    await expect(runSession(a, storePeer(b))).rejects.toMatchObject({ code: 'SHAPE_MISMATCH' });
  });
});
