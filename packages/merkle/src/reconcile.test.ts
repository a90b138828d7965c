import fc from 'fast-check';
import { reconcile } from './reconcile.js';
import type { SummaryTree } from './reconcile.js';
import { DEFAULT_SHAPE, makeShape } from './shape.js';
import { childSummaries, localSummaryTree, subtreeBuckets, subtreeCount, subtreeKeys } from './summary.js';
import { Replica, diverged, keyName, live } from './__tests__/replica.js';
import type { Change } from './__tests__/replica.js';

/** A port over a replica that counts batches (round trips) and the nodes asked. */
function port(r: Replica): SummaryTree & { batches: number } {
  const inner = localSummaryTree(r.tree, r.digestOf);
  const p = {
    batches: 0,
    children: (paths: Parameters<SummaryTree['children']>[0], w: number) => (p.batches++, inner.children(paths, w)),
    entries: (paths: Parameters<SummaryTree['entries']>[0], w: number) => (p.batches++, inner.entries(paths, w)),
  };
  return p;
}

const roots = (local: Replica, remote: Replica) => ({
  local: { hash: local.tree.rootHex(), count: local.tree.size, shape: local.tree.shape.id },
  remote: { hash: remote.tree.rootHex(), count: remote.tree.size, shape: remote.tree.shape.id },
});

describe('reconcile (level-synchronous)', () => {
  const keyArb = fc.oneof(fc.string({ minLength: 1, maxLength: 10 }), fc.nat(100_000).map(keyName));
  const changeArb = fc.constantFrom<Change>('value', 'tombstone', 'onlyLocal', 'onlyRemote');

  it('names exactly the differing keys, through entries or whole one-sided subtrees, in at most depth + 1 batches for any d (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(keyArb, { maxLength: 600 }),
        fc.nat(300),
        fc.array(changeArb, { minLength: 300, maxLength: 300 }),
        fc.constantFrom(DEFAULT_SHAPE, makeShape(4, 3)),
        fc.integer({ min: 0, max: 40 }),
        async (keys, wanted, changes, shape, smallThreshold) => {
          const d = Math.min(wanted, keys.length);
          const { local, remote, differing } = diverged(keys, d, changes, shape);
          const remotePort = port(remote);
          const result = await reconcile(port(local), remotePort, roots(local, remote), { width: 16, smallThreshold, bulkFraction: 2 });
          const streamed = result.recordPaths.flatMap((p) => [...subtreeKeys(local.tree, p.path), ...subtreeKeys(remote.tree, p.path)]);
          // One-sided subtrees hold only differing keys; entries name only differing keys; together, all of them.
          expect([...new Set([...result.keys, ...streamed])].sort()).toEqual(differing);
          for (const p of result.recordPaths) expect(p.localCount === 0 || p.remoteCount === 0).toBe(true);
          expect(result.rounds).toBeLessThanOrEqual(shape.depth + 1);
          expect(result.mode).toBe('tree');
          if (d === 0) expect(result.rounds).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('two random write orders give the same root, so equal sets cost no batch', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(keyArb, { minLength: 1, maxLength: 300 }), fc.integer(), async (keys, seed) => {
        const a = new Replica();
        const b = new Replica();
        for (const k of keys) a.put(k, live(k));
        const shuffled = [...keys].sort((x, y) => ((hashOf(x) ^ seed) >>> 0) - ((hashOf(y) ^ seed) >>> 0));
        for (const k of shuffled) b.put(k, live(k));
        const result = await reconcile(port(a), port(b), roots(a, b));
        expect(a.tree.rootHex()).toBe(b.tree.rootHex());
        expect(result).toMatchObject({ keys: [], recordPaths: [], rounds: 0 });
      }),
    );
  });

  it('streams everything to an empty or far-behind side without walking', async () => {
    const local = new Replica();
    const remote = new Replica();
    for (let i = 0; i < 1000; i++) remote.put(keyName(i), live('v'));
    for (let i = 0; i < 200; i++) local.put(keyName(i), live('v'));
    const result = await reconcile(port(local), port(remote), roots(local, remote));
    expect(result).toMatchObject({ mode: 'bulk', rounds: 0, keys: [] });
    expect(result.recordPaths).toEqual([{ path: [], localCount: 200, remoteCount: 1000 }]);
  });

  it('switches to bulk when most of a large level differs', async () => {
    const local = new Replica();
    const remote = new Replica();
    for (let i = 0; i < 20_000; i++) {
      local.put(keyName(i), live('a'));
      remote.put(keyName(i), live('b'));
    }
    const result = await reconcile(port(local), port(remote), roots(local, remote));
    expect(result.mode).toBe('bulk');
    expect(result.rounds).toBeLessThanOrEqual(3);
    const covered = result.recordPaths.reduce((n, p) => n + p.remoteCount, 0);
    expect(covered).toBe(20_000);
  });

  it('refuses trees of different shapes', async () => {
    const a = new Replica();
    const b = new Replica(makeShape(4, 3));
    a.put('x', live('1'));
    await expect(reconcile(port(a), port(b), roots(a, b))).rejects.toMatchObject({ code: 'SHAPE_MISMATCH' });
  });
});

describe('subtree summaries', () => {
  it('counts every key once across a level, and ranges tile the buckets', () => {
    const r = new Replica();
    for (let i = 0; i < 5000; i++) r.put(keyName(i), live('v'));
    const children = childSummaries(r.tree, [], 4);
    expect(children.reduce((n, c) => n + c.count, 0)).toBe(5000);
    expect(children.every((c) => c.hash.length === 8)).toBe(true);
    expect(subtreeCount(r.tree, [3])).toBe(children[3]?.count);
    expect(subtreeBuckets(DEFAULT_SHAPE, [3])).toEqual([3 * 4096, 4 * 4096]);
    expect(subtreeKeys(r.tree, []).length).toBe(5000);
    expect(() => childSummaries(r.tree, [], 17)).toThrow('Invalid hash width 17');
  });
});

function hashOf(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}
