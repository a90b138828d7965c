/**
 * The client against REAL nodes (apps/node started as child processes):
 * every command, 10,000 pipelined requests answered in order, values of any
 * content round-tripping, a node killed mid-request and reconnect when it
 * returns.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import fc from 'fast-check';
import { createClient, noRetry } from './index.js';
import type { MerkleKVClient, TreePath } from './index.js';
import { spawnNode } from './__tests__/node-process.js';
import type { NodeProcess } from './__tests__/node-process.js';

jest.setTimeout(120_000);

let node: NodeProcess;
let client: MerkleKVClient;

beforeAll(async () => {
  node = await spawnNode({ nodeId: 'client-a', antiEntropy: true });
  client = createClient({ port: node.port });
});

afterAll(async () => {
  await client.close();
  await node.stop();
});

/** Walks from the root to a non-empty leaf bucket. */
async function firstNonEmptyLeaf(c: MerkleKVClient, depth: number): Promise<TreePath> {
  const path: number[] = [];
  while (path.length < depth) {
    const children = await c.tree(path);
    const next = children.findIndex((h) => !/^0+$/.test(h));
    if (next < 0) throw new Error(`empty subtree at ${path.join('.')}`);
    path.push(next);
  }
  return path;
}

describe('every command against a real node', () => {
  it('string commands: set/get/del/append/prepend/incr/decr/exists', async () => {
    expect(await client.set('user:1', 'Ada Lovelace')).toBe('OK');
    expect(await client.get('user:1')).toBe('Ada Lovelace');
    expect(await client.get('user:missing')).toBeNull();
    expect(await client.append('user:1', ', Countess')).toBe('Ada Lovelace, Countess');
    expect(await client.prepend('user:1', 'Lady ')).toBe('Lady Ada Lovelace, Countess');
    expect(await client.exists('user:1', 'user:missing')).toBe(1);
    expect(await client.del('user:1')).toBe(true);
    expect(await client.del('user:1')).toBe(false);
    expect(await client.incr('counter')).toBe(1n);
    expect(await client.incr('counter', 41)).toBe(42n);
    expect(await client.decr('counter', 50n)).toBe(-8n);
    expect(await client.decr('counter')).toBe(-9n);
    expect(await client.incr('big', 9223372036854775806n)).toBe(9223372036854775806n);
    await expect(client.incr('big', 2)).rejects.toMatchObject({ name: 'ServerError', code: 'SERVER_ERROR' });
    await client.set('text', 'abc');
    const err = await client.incr('text').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SERVER_ERROR' });
    expect((err as { serverMessage: string }).serverMessage.length).toBeGreaterThan(0);
  });

  it('expiry commands: setex/psetex/expire/pexpire/expireat/pexpireat/ttl/pttl/persist (and in a pipeline)', async () => {
    expect(await client.setex('exp:1', 100, 'v one')).toBe('OK');
    expect(await client.ttl('exp:1')).toBe(100);
    expect(await client.psetex('exp:2', 60_000, 'v')).toBe('OK');
    const pttl = await client.pttl('exp:2');
    expect(pttl).toBeGreaterThan(50_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
    expect(await client.expire('exp:1', 30)).toBe(true);
    expect(await client.ttl('exp:1')).toBe(30);
    expect(await client.pexpire('exp:1', 40_000)).toBe(true);
    expect(await client.expireat('exp:1', Math.floor(Date.now() / 1000) + 500)).toBe(true);
    expect(await client.pexpireat('exp:1', Date.now() + 200_000)).toBe(true);
    expect(await client.ttl('exp:1')).toBe(200);
    expect(await client.persist('exp:1')).toBe(true);
    expect(await client.persist('exp:1')).toBe(false);
    expect(await client.ttl('exp:1')).toBe(-1);
    expect(await client.ttl('exp:none')).toBe(-2);
    expect(await client.expire('exp:none', 5)).toBe(false);
    const settled = await client.pipeline().psetex('exp:3', 300, 'short').pttl('exp:3').persist('exp:3').ttl('exp:3').exec();
    expect(settled.map((r) => (r.ok ? r.value : r.error))).toEqual(['OK', expect.any(Number), true, -1]);
    expect(await client.expire('exp:3', -1)).toBe(true);
    expect(await client.get('exp:3')).toBeNull();
    await expect(client.setex('exp:4', 0, 'x')).rejects.toThrow(/SETEX time must be a positive integer, got '0'/);
  });

  it('server commands: ping/echo/version/info/stats/dbsize', async () => {
    expect(await client.ping()).toBe('PONG');
    expect(await client.ping('hello there')).toBe('hello there');
    expect(await client.echo('  padded  ')).toBe('  padded  ');
    expect(await client.version()).toMatch(/^MerkleKV \d+\.\d+\.\d+$/);
    const info = await client.info();
    expect(info['Server Information']).toMatchObject({ node_id: 'client-a' });
    expect(Number(info['Server Information']?.['total_keys'])).toBeGreaterThanOrEqual(0);
    const stats = await client.stats();
    expect(Number(stats['cmd_ping'])).toBeGreaterThanOrEqual(2);
    expect(await client.dbsize()).toBe(Number((await client.info())['Server Information']?.['total_keys']));
  });

  it('multi-key commands: mset/mget/scan (page by page and as an iterator)', async () => {
    const entries = Array.from({ length: 250 }, (_, i): [string, string] => [`scan:${String(i).padStart(3, '0')}`, `value ${i}`]);
    expect(await client.mset(entries)).toBe('OK');
    expect(await client.mset({ 'm:a': 'x y', 'm:b': '' })).toBe('OK');
    expect(await client.mget('m:a', 'm:b', 'm:none')).toEqual(['x y', '', null]);
    const page = await client.scanPage('scan:', undefined, 100);
    expect(page.entries).toHaveLength(100);
    expect(page.cursor).toBeDefined();
    const all: [string, string][] = [];
    for await (const e of client.scan('scan:', { count: 64 })) all.push(e);
    expect(all).toEqual(entries);
    const everything: string[] = [];
    for await (const [k] of client.scan('*')) everything.push(k);
    expect(everything).toEqual([...everything].sort());
    expect(everything.length).toBe(await client.dbsize());
  });

  it('tree and repair commands: hash/tree/leaf/getv/putv', async () => {
    const root = await client.hash();
    expect(root.root).toMatch(/^[0-9a-f]+$/);
    expect(root.shape).toMatch(/^f(\d+)d(\d+)-/);
    const [, fanout, depth] = /^f(\d+)d(\d+)/.exec(root.shape) ?? [];
    expect(await client.tree([])).toHaveLength(Number(fanout));
    const path = await firstNonEmptyLeaf(client, Number(depth));
    const page = await client.leaf(path);
    expect(page.entries.length).toBeGreaterThan(0);
    const fromIterator = [];
    for await (const e of client.leafEntries(path)) fromIterator.push(e);
    expect(fromIterator).toEqual(page.entries);
    const key = page.entries[0]!.key;
    const [version, missing] = await client.getv([key, 'never:seen']);
    expect(version).toMatchObject({ key, node: 'client-a', deleted: false });
    expect(missing).toBeNull();
    const newer = { key: 'repaired', ts: version!.ts + 1_000_000, node: 'other', deleted: false, value: 'from a peer' };
    expect(await client.putv(newer)).toBe('APPLIED');
    expect(await client.putv({ ...newer, ts: 1, value: 'old' })).toBe('STALE');
    expect(await client.get('repaired')).toBe('from a peer');
    expect((await client.hash()).root).not.toBe(root.root);
  });

  it('raw send and the pipeline API', async () => {
    expect(await client.send({ type: 'GET', key: 'repaired' })).toBe('from a peer');
    expect(await client.send({ type: 'MGET', keys: ['repaired'] })).toEqual(['from a peer', 'END']);
    const [a, b, c, d] = await client.pipeline().set('p', 'one').append('p', ' two').incr('p').get('p').exec();
    expect(a).toEqual({ ok: true, value: 'OK' });
    expect(b).toEqual({ ok: true, value: 'one two' });
    expect(c.ok).toBe(false);
    expect(d).toEqual({ ok: true, value: 'one two' });
  });

  it('sync pulls and pushes the differences with a second node', async () => {
    const peer = await spawnNode({ nodeId: 'client-b' });
    const other = createClient({ port: peer.port });
    try {
      await other.set('only-on-b', 'hello from b');
      const report = await client.sync(`127.0.0.1:${peer.port}`);
      expect(report).toMatch(/^OK round_trips=\d+ bytes=\d+ keys_pulled=\d+ keys_pushed=\d+ ms=\d+/);
      expect(await client.get('only-on-b')).toBe('hello from b');
      expect(await other.get('repaired')).toBe('from a peer');
    } finally {
      await other.close();
      await peer.stop();
    }
  });

  it('flush empties a node; shutdown stops it', async () => {
    const peer = await spawnNode({ nodeId: 'client-c' });
    const other = createClient({ port: peer.port, retry: noRetry });
    try {
      await other.mset({ a: '1', b: '2' });
      expect(await other.flush()).toBe('OK');
      expect(await other.dbsize()).toBe(0);
      expect(await other.get('a')).toBeNull();
      expect(await other.shutdown()).toBe('OK');
      await other.close();
      expect(await peer.waitForExit(10_000)).toBe(true);
    } finally {
      other.destroy();
      await peer.stop();
    }
  });
});

describe('pipelining', () => {
  it('answers 10,000 pipelined requests on one connection in order', async () => {
    const c = createClient({ port: node.port });
    const n = 10_000;
    // INCR results prove the order: the i-th reply must be i + 1.
    const incrs = await Promise.all(Array.from({ length: n }, () => c.incr('pipelined:counter')));
    expect(incrs).toEqual(Array.from({ length: n }, (_, i) => BigInt(i + 1)));
    const sets = Array.from({ length: n }, (_, i) => c.set(`pipelined:${i}`, `v${i} ${'x'.repeat(i % 50)}`));
    const gets = Array.from({ length: n }, (_, i) => c.get(`pipelined:${i}`));
    expect(await Promise.all(sets)).toEqual(Array(n).fill('OK'));
    expect(await Promise.all(gets)).toEqual(Array.from({ length: n }, (_, i) => `v${i} ${'x'.repeat(i % 50)}`));
    await c.close();
  });
});

describe('values of any content round-trip', () => {
  const samples = [
    'hello world',
    '  leading and trailing  ',
    'say "hi" and \\"escape\\"',
    'line one\nline two\r\nline three',
    'tab\tseparated\tvalues',
    'naïve café – 日本語 – emoji 🎉',
    '',
    '"',
    '(null)',
    'END',
    'END 42',
    'ERROR: not really',
    '\x00\x01\x7f control',
    '\\x41 looks like an escape',
  ];

  it('fixed samples through set/get, mset/mget, scan, append and echo', async () => {
    for (const [i, v] of samples.entries()) {
      await client.set(`rt:${i}`, v);
      expect(await client.get(`rt:${i}`)).toBe(v);
      expect(await client.echo(v === '' ? ' ' : v)).toBe(v === '' ? ' ' : v);
    }
    await client.mset(samples.map((v, i): [string, string] => [`rtm:${i}`, v]));
    expect(await client.mget(...samples.map((_, i) => `rtm:${i}`))).toEqual(samples);
    const scanned = new Map<string, string>();
    for await (const [k, v] of client.scan('rtm:')) scanned.set(k, v);
    expect(samples.map((_, i) => scanned.get(`rtm:${i}`))).toEqual(samples);
    await client.set('rta', 'a\n');
    expect(await client.append('rta', ' "b"\t')).toBe('a\n "b"\t');
  });

  it('any string (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme-composite' })), async (v) => {
        await client.set('prop', v);
        expect(await client.get('prop')).toBe(v);
        await client.mset([['prop2', v]]);
        expect(await client.mget('prop2')).toEqual([v]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('a node killed mid-request, and reconnect', () => {
  it('rejects in-flight requests with ConnectionClosedError, then reconnects when the node returns', async () => {
    const victim = await spawnNode({ nodeId: 'victim' });
    const c = createClient({ port: victim.port, retry: (attempt) => (attempt < 200 ? 100 : null) });
    const impatient = createClient({ port: victim.port, retry: noRetry });
    try {
      expect(await c.set('before', 'crash')).toBe('OK');
      const inFlight = Array.from({ length: 20_000 }, (_, i) => c.set(`k${i}`, 'v'));
      await inFlight[0];
      await victim.kill();
      const outcomes = await Promise.allSettled(inFlight);
      const failed = outcomes.filter((o) => o.status === 'rejected');
      expect(failed.length).toBeGreaterThan(0);
      for (const f of failed) expect((f as PromiseRejectedResult).reason).toMatchObject({ name: 'ConnectionClosedError', code: 'CONNECTION_CLOSED' });

      await expect(impatient.ping()).rejects.toMatchObject({ name: 'ConnectionError', code: 'CONNECTION_FAILED' });

      // The next request waits through the backoff until the node is back on the same port.
      const pong = c.ping();
      await new Promise((r) => setTimeout(r, 300));
      const back = await spawnNode({ port: victim.port, nodeId: 'victim' });
      try {
        expect(await pong).toBe('PONG');
        expect(await c.set('after', 'restart')).toBe('OK');
        expect(await c.get('after')).toBe('restart');
      } finally {
        await c.close();
        await back.stop();
      }
    } finally {
      c.destroy();
      impatient.destroy();
      await victim.stop();
    }
  });
});
