import fc from 'fast-check';
import { diff } from './diff.js';
import { MerkleError } from './errors.js';
import { DEFAULT_SHAPE, makeShape } from './shape.js';
import { Replica, counting, diverged, keyName, live } from './__tests__/replica.js';
import type { Change } from './__tests__/replica.js';
import type { RemoteTree } from './remote-tree.js';

/** Two replicas holding the same `n` keys `key:%07d`. */
function twins(n: number, shape = DEFAULT_SHAPE): [Replica, Replica] {
  const a = new Replica(shape);
  const b = new Replica(shape);
  for (let i = 0; i < n; i++) {
    a.put(keyName(i), live(`v${i}`));
    b.put(keyName(i), live(`v${i}`));
  }
  return [a, b];
}

describe('diff', () => {
  it('finds exactly the d keys in which two replicas differ (d from 0 to 50)', async () => {
    const keyArb = fc.oneof(fc.string({ minLength: 1, maxLength: 10 }), fc.nat(100_000).map(keyName));
    const changeArb = fc.constantFrom<Change>('value', 'tombstone', 'onlyLocal', 'onlyRemote');
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(keyArb, { maxLength: 400 }),
        fc.nat(50),
        fc.array(changeArb, { minLength: 50, maxLength: 50 }),
        fc.constantFrom(DEFAULT_SHAPE, makeShape(4, 3)),
        async (keys, wanted, changes, shape) => {
          const d = Math.min(wanted, keys.length);
          const { local, remote } = diverged(keys, d, changes, shape);
          const port = counting(remote.port());
          const result = await diff(local.port(), port);
          expect(result.keys).toEqual(keys.slice(0, d).sort());
          expect(result.queries).toBe(port.calls.root + port.calls.children + port.calls.leaf);
          expect(port.calls.root).toBe(1);
          if (d === 0) expect(result.queries).toBe(1);
          // Each differing key costs at most one path of queries.
          expect(result.queries).toBeLessThanOrEqual(1 + d * (shape.depth + 1));
        },
      ),
      { numRuns: 100 },
    );
  });

  it.each([
    ['\u0000', 'local'],
    ['\u0000', 'remote'],
    ['aaaa', 'local'],
    ['aaaa', 'remote'],
    ['!', 'remote'],
    [keyName(0).slice(0, 5), 'local'],
  ] as const)('finds a key %j sorted before every other key (held by the %s side) with at most depth + 2 queries', async (first, side) => {
    const [local, remote] = twins(20_000);
    (side === 'local' ? local : remote).put(first, live('first'));
    const port = counting(remote.port());
    const result = await diff(local.port(), port);
    expect(result.keys).toEqual([first]);
    expect(result.queries).toBeLessThanOrEqual(DEFAULT_SHAPE.depth + 2);
    // An empty remote bucket is known from its zero hash: no LEAF query then.
    const bucket = remote.tree.bucketPath(remote.tree.bucketOf(first));
    const leafQueries = remote.tree.leafKeys(bucket).length > 0 ? 1 : 0;
    expect(port.calls).toEqual({ root: 1, children: DEFAULT_SHAPE.depth, leaf: leafQueries });
  });

  it('finds one changed key among 20,000 with root + one query per level + one leaf', async () => {
    const [local, remote] = twins(20_000);
    remote.put(keyName(12_345), live('changed', 2));
    const port = counting(remote.port());
    const result = await diff(local.port(), port);
    expect(result.keys).toEqual([keyName(12_345)]);
    expect(result.queries).toBe(DEFAULT_SHAPE.depth + 2);
    expect(result.rounds).toBe(DEFAULT_SHAPE.depth + 2);
  });

  it('makes exactly one query for identical replicas, and reports the root reply bytes', async () => {
    const [local, remote] = twins(1_000);
    const port = counting(remote.port());
    const result = await diff(local.port(), port);
    const root = await remote.port().root();
    expect(result).toEqual({
      keys: [],
      queries: 1,
      rounds: 1,
      bytes: 'HASH\r\n'.length + `${root.hash} ${root.count} ${root.shape}\r\n`.length,
    });
    expect(port.calls).toEqual({ root: 1, children: 0, leaf: 0 });
  });

  it('asks the remote nothing below the root when it is empty', async () => {
    const [local] = twins(500);
    const port = counting(new Replica().port());
    const result = await diff(local.port(), port);
    expect(result.keys).toHaveLength(500);
    expect(result.queries).toBe(1);
    // And the other way round: everything the remote holds is found.
    const back = await diff(new Replica().port(), local.port());
    expect(back.keys).toHaveLength(500);
  });

  it('throws SHAPE_MISMATCH when the shapes differ, before comparing anything else', async () => {
    const a = new Replica(DEFAULT_SHAPE);
    const b = new Replica(makeShape(16, 3));
    await expect(diff(a.port(), b.port())).rejects.toMatchObject({ code: 'SHAPE_MISMATCH' });
    await expect(diff(a.port(), b.port())).rejects.toBeInstanceOf(MerkleError);
  });

  it('throws INVALID_REPLY when a side answers with the wrong number of children', async () => {
    const [local, remote] = twins(10);
    local.put('x', live('x'));
    const inner = remote.port();
    const broken: RemoteTree = { ...inner, children: async (p) => (await inner.children(p)).slice(1) };
    await expect(diff(local.port(), broken)).rejects.toMatchObject({ code: 'INVALID_REPLY' });
  });

  it('batches remote queries per level up to the concurrency limit', async () => {
    const [local, remote] = twins(2_000);
    for (let i = 0; i < 100; i++) remote.put(keyName(i), live('changed', 2));
    let inFlight = 0;
    let peak = 0;
    const inner = remote.port();
    const tracked: RemoteTree = {
      root: () => inner.root(),
      children: async (p) => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((r) => setImmediate(r));
        inFlight--;
        return inner.children(p);
      },
      leaf: async (p) => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((r) => setImmediate(r));
        inFlight--;
        return inner.leaf(p);
      },
    };
    const result = await diff(local.port(), tracked, { concurrency: 8 });
    expect(result.keys).toHaveLength(100);
    expect(peak).toBe(8);
    expect(result.bytes).toBeGreaterThan(0);
  });
});
