import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { DEFAULT_SHAPE, makeShape } from '@merklekv/merkle';
import { HybridClock, Store } from '@merklekv/storage';
import { AntiEntropyError } from './errors.js';
import { runSession } from './session.js';
import {
  BASE_TS,
  countingPeer,
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

const DEPTH = DEFAULT_SHAPE.depth;

async function syncAndCheck(n: number, changes: ReadonlyArray<[number, Kind]>): Promise<void> {
  const a = makeStore('a');
  const b = makeStore('b');
  seedIdentical(a, b, n);
  const { push, pull } = diverge(a, b, n, changes);
  const pulledByA = repairedKeys(a);
  const pushedToB = repairedKeys(b);
  const peer = countingPeer(b);

  const report = await runSession(a, peer);

  const d = push.size + pull.size;
  expect(report.differing).toBe(d);
  expect(pulledByA).toEqual(pull);
  expect(pushedToB).toEqual(push);
  expect(report.pulled).toBe(pull.size);
  expect(report.pushed).toBe(push.size);
  expect(report.inSync).toBe(d === 0);
  expect(peer.calls.tree).toBe(report.treeQueries);
  expect(peer.calls.tree).toBeLessThanOrEqual(d * (DEPTH + 1) + 1);
  expect(a.tree.rootHex()).toBe(b.tree.rootHex());
  const keys = [...push, ...pull, ...Array.from({ length: n }, (_, i) => keyName(i))];
  expect(dump(a, keys)).toEqual(dump(b, keys));
}

describe('runSession', () => {
  it('takes one round trip when the replicas are identical', async () => {
    const a = makeStore('a');
    const b = makeStore('b');
    seedIdentical(a, b, 5000);
    const peer = countingPeer(b);

    const report = await runSession(a, peer);

    expect(report).toMatchObject({ rounds: 1, treeQueries: 1, pulled: 0, pushed: 0, differing: 0, inSync: true });
    expect(peer.calls).toMatchObject({ tree: 1, getVersions: 0, putVersions: 0 });
    expect(report.bytes).toBeGreaterThan(0);
  });

  it('repairs exactly the 50 divergent keys among 5,000 with a bounded number of tree queries', async () => {
    const changes: Array<[number, Kind]> = [];
    for (let j = 0; j < 50; j++) changes.push([j * 101 + (j % 3 === 0 ? 5000 : 0), KINDS[j % KINDS.length] as Kind]);
    await syncAndCheck(5000, changes);
  });

  it('repairs exactly the divergent keys, whatever they are (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 400 }),
        fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 500 }), fc.constantFrom(...KINDS)), {
          maxLength: 30,
          selector: ([i]) => i,
        }),
        async (n, changes) => {
          await syncAndCheck(n, changes);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('brings an empty replica up to date, and the next session is one round trip', async () => {
    const a = makeStore('a');
    const b = makeStore('b');
    for (let i = 0; i < 300; i++) b.merge(keyName(i), version(`v${i}`, BASE_TS + i, 'b'));
    const first = await runSession(a, countingPeer(b));
    expect(first.pulled).toBe(300);
    expect(a.tree.rootHex()).toBe(b.tree.rootHex());
    const second = await runSession(a, countingPeer(b));
    expect(second).toMatchObject({ rounds: 1, inSync: true });
  });

  it('lets a delete beat an older value, in both directions, and never resurrects it', async () => {
    const a = makeStore('a');
    const b = makeStore('b');
    a.merge('pulled-delete', version('old', BASE_TS, 'a'));
    b.merge('pulled-delete', version('', BASE_TS + 10, 'b', true));
    a.merge('pushed-delete', version('', BASE_TS + 10, 'a', true));
    b.merge('pushed-delete', version('old', BASE_TS, 'b'));

    const report = await runSession(a, countingPeer(b));

    expect(report).toMatchObject({ pulled: 1, pushed: 1 });
    for (const store of [a, b]) {
      expect(store.get('pulled-delete')).toBeUndefined();
      expect(store.get('pushed-delete')).toBeUndefined();
      expect(store.getVersion('pulled-delete')?.deleted).toBe(true);
      expect(store.getVersion('pushed-delete')?.deleted).toBe(true);
    }
    // Syncing again, from either side, changes nothing.
    expect(await runSession(b, countingPeer(a))).toMatchObject({ inSync: true, pulled: 0, pushed: 0 });
    expect(a.get('pulled-delete')).toBeUndefined();
  });

  it('pulls the peer version that arrived between the comparison and the repair instead of pushing', async () => {
    const a = makeStore('a');
    const b = makeStore('b');
    b.merge('k', version('b-old', BASE_TS, 'b'));
    a.merge('k', version('a-newer', BASE_TS + 5, 'a'));
    const peer = countingPeer(b);
    // After the tree walk and before GETV, the peer receives a newer write.
    peer.beforeGetVersions = () => {
      b.merge('k', version('b-newest', BASE_TS + 9, 'b'));
    };

    const report = await runSession(a, peer);

    expect(report).toMatchObject({ differing: 1, pulled: 1, pushed: 0 });
    expect(a.get('k')).toBe('b-newest');
    expect(b.get('k')).toBe('b-newest');
    expect(a.tree.rootHex()).toBe(b.tree.rootHex());
  });

  it('never overwrites a peer write that lands between GETV and PUTV', async () => {
    const a = makeStore('a');
    const b = makeStore('b');
    b.merge('k', version('b-old', BASE_TS, 'b'));
    a.merge('k', version('a-newer', BASE_TS + 5, 'a'));
    const peer = countingPeer(b);
    peer.beforePutVersions = () => {
      b.merge('k', version('b-newest', BASE_TS + 9, 'b'));
    };

    await runSession(a, peer);

    expect(b.get('k')).toBe('b-newest');
    // The next session brings a up to date.
    await runSession(a, countingPeer(b));
    expect(a.get('k')).toBe('b-newest');
  });

  it('skips a key whose local version changed since the comparison (e.g. an MQTT update in flight)', async () => {
    const a = makeStore('a');
    const b = makeStore('b');
    a.merge('k', version('a-old', BASE_TS, 'a'));
    b.merge('k', version('b-newer', BASE_TS + 5, 'b'));
    a.merge('other', version('x', BASE_TS, 'a'));
    const peer = countingPeer(b);
    peer.beforeGetVersions = () => {
      // The replicated write reaches a while the session is running.
      a.merge('k', version('mqtt', BASE_TS + 7, 'c'));
    };

    const report = await runSession(a, peer);

    expect(report).toMatchObject({ differing: 2, skipped: 1, pulled: 0, pushed: 1 });
    expect(a.get('k')).toBe('mqtt');
    expect(b.get('k')).toBe('b-newer'); // not "repaired" this round
    expect(b.get('other')).toBe('x');
  });

  it('does nothing for a key that converged before the versions were read', async () => {
    const a = makeStore('a');
    const b = makeStore('b');
    a.merge('k', version('a-old', BASE_TS, 'a'));
    b.merge('k', version('b-old', BASE_TS + 1, 'b'));
    const peer = countingPeer(b);
    const landed = version('everywhere', BASE_TS + 9, 'c');
    // Between the comparison and the GETV the write reaches the peer; the local
    // side saw it earlier (its digest is what the comparison read).
    a.merge('k', landed);
    peer.beforeGetVersions = () => {
      b.merge('k', landed);
    };

    const report = await runSession(a, peer);

    expect(report).toMatchObject({ differing: 1, converged: 1, pulled: 0, pushed: 0 });
    expect(peer.calls.putVersions).toBe(0);
  });

  it('reads and writes versions in batches', async () => {
    const a = makeStore('a');
    const b = makeStore('b');
    for (let i = 0; i < 20; i++) a.merge(keyName(i), version('v', BASE_TS + i, 'a'));
    const peer = countingPeer(b);

    const report = await runSession(a, peer, { readBatch: 7, writeBatch: 3 });

    expect(peer.calls.getVersions).toBe(3);
    expect(peer.calls.putVersions).toBe(3 + 3 + 2);
    expect(report.pushed).toBe(20);
    expect(report.rounds).toBe(report.treeQueries + 3 + 8);
    expect(b.tree.rootHex()).toBe(a.tree.rootHex());
  });

  it('rejects with ABORTED when the signal fires', async () => {
    const a = makeStore('a');
    const b = makeStore('b');
    a.merge('k', version('v', BASE_TS, 'a'));
    const controller = new AbortController();
    const peer = countingPeer(b);
    peer.beforeGetVersions = () => controller.abort();

    const result = runSession(a, peer, { signal: controller.signal });

    await expect(result).rejects.toMatchObject({ code: 'ABORTED' });
    await expect(result).rejects.toBeInstanceOf(AntiEntropyError);
    expect(b.get('k')).toBeUndefined();
  });

  it('refuses to compare trees of different shapes', async () => {
    const a = makeStore('a');
    const b = new Store({ nodeId: 'b', shape: makeShape(4, 2), clock: new HybridClock() });
    await expect(runSession(a, countingPeer(b))).rejects.toMatchObject({ code: 'SHAPE_MISMATCH' });
  });

  it('rejects a batch size that is not a positive integer', async () => {
    await expect(runSession(makeStore('a'), countingPeer(makeStore('b')), { readBatch: 0 })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
  });
});
