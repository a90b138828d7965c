import { subtreeEntries, toHex } from '@merklekv/merkle';
import { decodePathSet, encodePathSet, fromPathSets, toPathSets, unpackTreeChildren } from '@merklekv/protocol';
import type { RunningNode } from '../node.js';
import { freePort, LineClient, startTestNode } from './harness.js';

// Peer protocol 2 served by a real node, and a SYNC between two nodes whose
// figures show up alike in the reply, INFO and /metrics.
describe('peer protocol 2 on a node', () => {
  let a: RunningNode;
  let b: RunningNode;
  let adminPort: number;

  beforeAll(async () => {
    adminPort = await freePort();
    a = await startTestNode({}, 'node-a');
    b = await startTestNode({ anti_entropy: { enabled: true, interval_seconds: 86_400 }, admin: { port: adminPort } }, 'node-b');
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('answers PEERV, TREES, ENTRIES, RECORDS, STAMPS and PUTVS', async () => {
    const c = await LineClient.open(a.port);
    try {
      expect(await c.call('PEERV 2')).toBe('PEERV 2');
      expect(await c.call('PEERV 7')).toBe('PEERV 3');
      for (let i = 0; i < 50; i++) expect(await c.call(`SET key:${i} value ${i}`)).toBe('OK');
      expect(await c.call('DEL key:7')).toBe('DELETED');

      c.send('TREES 4 -\r\n');
      const [children, end] = await c.untilEnd();
      expect(end).toBe('END');
      const tokens = (children as string).split(' ');
      expect(tokens).toHaveLength(16);
      const count = tokens.reduce((n, t) => n + (t === '0' ? 0 : Number(t.split(':')[0])), 0);
      expect(count).toBe(50); // the tombstone is a record too
      expect(tokens.filter((t) => t !== '0').every((t) => /^\d+:[0-9a-f]{8}$/.test(t))).toBe(true);

      c.send('ENTRIES 16 -\r\n');
      const entries = await c.untilEnd();
      expect(entries).toHaveLength(51);
      expect(entries.slice(0, -1).every((l) => /^key:\d+ [0-9a-f]{32}$/.test(l))).toBe(true);

      c.send('RECORDS -\r\n');
      const records = await c.untilEnd();
      expect(records).toHaveLength(51);
      expect(records).toContainEqual(expect.stringMatching(/^key:7 \d+ node-a 1 ""$/));
      expect(records).toContainEqual(expect.stringMatching(/^key:3 \d+ node-a 0 value 3$/));

      c.send('STAMPS -\r\n');
      const stamps = await c.untilEnd();
      expect(stamps).toHaveLength(51);
      expect(stamps).toContainEqual(expect.stringMatching(/^key:7 \d+ node-a 1$/));
      expect(stamps).toContainEqual(expect.stringMatching(/^key:3 \d+ node-a 0$/));

      expect(await c.call('PUTVS new:1 1 node-x 0 "a b" key:3 1 node-x 0 old')).toBe('OK applied=1 stale=1');
      expect(await c.call('GET new:1')).toBe('a b');
      expect(await c.call('GET key:3')).toBe('value 3');
      expect(await c.call('TREES 4 0.0.0.0')).toBe('ERROR: TREES path 0.0.0.0 is a leaf bucket; ask ENTRIES for it');
    } finally {
      c.close();
    }
  });

  it('SYNC reports round_trips, bytes, keys pulled and pushed, and INFO and /metrics carry the same figures', async () => {
    for (let i = 0; i < 40; i++) b.store.set(`b:${i}`, `from b ${i}`);
    const c = await LineClient.open(b.port);
    try {
      const reply = await c.call(`SYNC 127.0.0.1:${a.port}`);
      const m = /^OK round_trips=(\d+) bytes=(\d+) keys_pulled=(\d+) keys_pushed=(\d+) ms=(\d+) mode=(\w+)$/.exec(reply);
      expect(m).not.toBeNull();
      const [, roundTrips, bytes, pulled, pushed] = (m as RegExpExecArray).map(Number);
      expect(pulled).toBe(51); // a's 49 live keys, its tombstone and new:1
      expect(pushed).toBe(40);
      expect(roundTrips).toBeLessThanOrEqual(8);
      expect(a.store.tree.rootHex()).toBe(b.store.tree.rootHex());

      c.send('INFO\r\n');
      const info = await c.untilEnd();
      expect(info).toContain(`last_session_round_trips:${roundTrips}`);
      expect(info).toContain(`last_session_bytes:${bytes}`);
      expect(info).toContain(`last_session_keys_pulled:${pulled}`);
      expect(info).toContain(`last_session_keys_pushed:${pushed}`);

      const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
      const peer = `peer="127.0.0.1:${a.port}"`;
      expect(metrics).toContain(`merklekv_anti_entropy_last_session_round_trips{${peer}} ${roundTrips}`);
      expect(metrics).toContain(`merklekv_anti_entropy_last_session_bytes{${peer}} ${bytes}`);
      expect(metrics).toContain(`merklekv_anti_entropy_last_session_keys_pulled{${peer}} ${pulled}`);
      expect(metrics).toContain(`merklekv_anti_entropy_last_session_keys_pushed{${peer}} ${pushed}`);
    } finally {
      c.close();
    }
  });
  it('answers PTREES and PENTRIES (protocol 3) with what TREES and ENTRIES say, packed', async () => {
    const c = await LineClient.open(a.port);
    try {
      expect(await c.call('PEERV 3')).toBe('PEERV 3');
      for (let i = 0; i < 300; i++) expect(await c.call(`SET p3:${i} v${i}`)).toBe('OK');
      const tree = a.store.tree;
      const { fanout, depth } = tree.shape;
      // Every internal node on the way to one key's bucket, and two more of level 2, in one request.
      const paths = [[], [3], [3, 5], [7, 1], [3, 5, 9], [15, 15, 15]];
      const sets = toPathSets(paths, fanout);
      expect(fromPathSets(sets.map((s) => decodePathSet(encodePathSet(s), 'test')), fanout)).toEqual(paths);
      c.send(`PTREES 3 ${sets.map(encodePathSet).join(' ')}\r\n`);
      const [blob, end] = await c.untilEnd();
      expect(end).toBe('END');
      const packed = unpackTreeChildren(blob as string, paths, tree.shape, 3);
      for (const [n, path] of paths.entries()) {
        c.send(`TREES 3 ${path.length === 0 ? '-' : path.join('.')}\r\n`);
        const [line] = await c.untilEnd();
        const text = (line as string).split(' ').map((t) => (t === '0' ? { count: 0, hash: '' } : { count: Number(t.split(':')[0]), hash: t.split(':')[1] }));
        // Above the buckets only emptiness travels: a non-empty bucket reads as count 1.
        expect(packed[n]).toEqual(path.length < depth - 1 ? text : text.map((t) => ({ count: Math.min(t.count, 1), hash: t.hash })));
      }

      const bucket = [...Array(fanout ** depth).keys()].find((b) => tree.bucketKeys(b).length > 0) as number;
      c.send(`PENTRIES 3 ${encodePathSet({ level: depth, indexes: [bucket] })}\r\n`);
      const lines = await c.untilEnd();
      const bucketPath = fromPathSets([{ level: depth, indexes: [bucket] }], fanout)[0] as number[];
      const want = subtreeEntries(tree, (k) => a.store.digestOf(k), bucketPath, 3).map((e) => `${e.key} ${Buffer.from(e.digest, 'hex').toString('base64url')}`);
      expect(lines).toEqual([...want, 'END']);
      expect(want.every((l) => /^\S+ [A-Za-z0-9_-]{4}$/.test(l))).toBe(true);
      expect(toHex(Buffer.from((want[0] as string).split(' ')[1] as string, 'base64url'))).toHaveLength(6);

      expect(await c.call(`PTREES 3 ${depth}:AA`)).toBe(`ERROR: PTREES level ${depth} is the leaf buckets' or deeper; ask PENTRIES for them`);
      expect(await c.call('PTREES 3 1:EA')).toBe('ERROR: PTREES index 16 is outside level 1 (0..15)');
      expect(await c.call('PTREES 3 1:A+')).toBe("ERROR: PTREES path set must be base64url without padding, got 'A+'");
    } finally {
      c.close();
    }
  });
});
