import { describe, expect, it } from '@jest/globals';
import { ServerError } from '@merklekv/client';
import { childSummaries, subtreeEntries, subtreeKeys } from '@merklekv/merkle';
import type { LeafEntry, TreePath } from '@merklekv/merkle';
import { fromPathSets, packTreeChildren } from '@merklekv/protocol';
import type { PathSet } from '@merklekv/protocol';
import type { Store } from '@merklekv/storage';
import { runSession } from './session.js';
import { connectTcpPeer } from './tcp-peer.js';
import type { TreeClient, WireVersionLike } from './tcp-peer.js';
import { BASE_TS, makeStore, version, thrownCode } from './__tests__/fixtures.js';

/** A client that answers from a Store as a node would, paging LEAF and recording each request. */
class FakeClient implements TreeClient {
  readonly requests: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  bytesRead = 0;
  bytesWritten = 0;
  closed = false;

  constructor(
    private readonly store: Store,
    private readonly leafPage = 2,
  ) {}

  trackPublic<T>(request: string, answer: () => T): Promise<T> {
    return this.track(request, answer);
  }

  private async track<T>(request: string, answer: () => T): Promise<T> {
    this.requests.push(request);
    this.bytesWritten += request.length + 2;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.inFlight -= 1;
    const reply = answer();
    this.bytesRead += JSON.stringify(reply).length;
    return reply;
  }

  hash() {
    return this.track('HASH', () => {
      const t = this.store.tree;
      return { root: t.rootHex(), count: t.size, shape: t.shape.id };
    });
  }

  tree(path: TreePath) {
    return this.track(`TREE ${path.join('.') || '-'}`, () => this.store.tree.childHashes(path).map((h) => Buffer.from(h).toString('hex')));
  }

  leaf(path: TreePath, cursor?: string) {
    return this.track(`LEAF ${path.join('.')}${cursor === undefined ? '' : ` ${cursor}`}`, () => {
      const all = this.store.leafEntries(path);
      const start = cursor === undefined ? 0 : all.findIndex((e) => e.key === cursor) + 1;
      const entries = all.slice(start, start + this.leafPage);
      const more = start + this.leafPage < all.length;
      return more ? { entries, cursor: entries[entries.length - 1]?.key } : { entries };
    });
  }

  getv(keys: readonly string[]) {
    return this.track(`GETV ${keys.join(' ')}`, () =>
      keys.map((key): WireVersionLike | null => {
        const v = this.store.getVersion(key);
        return v === undefined ? null : { key, ...v };
      }),
    );
  }

  putv(v: WireVersionLike) {
    return this.track(`PUTV ${v.key}`, () =>
      this.store.merge(v.key, { value: v.value, ts: v.ts, node: v.node, deleted: v.deleted }) === 'applied'
        ? ('APPLIED' as const)
        : ('STALE' as const),
    );
  }

  async close() {
    this.closed = true;
  }
}

/** A client of a protocol-2 node: PEERV, TREES, ENTRIES, RECORDS and PUTVS too. */
class FakeClient2 extends FakeClient {
  constructor(private readonly node: Store) {
    super(node);
  }

  peerv(v: number) {
    return this.trackPublic(`PEERV ${v}`, () => Math.min(v, 2));
  }

  trees(width: number, paths: readonly TreePath[]) {
    return this.trackPublic(`TREES ${width} ${paths.length}`, () => paths.map((p) => childSummaries(this.node.tree, p, width)));
  }

  entries(width: number, paths: readonly TreePath[]) {
    return this.trackPublic(`ENTRIES ${width} ${paths.length}`, () =>
      paths.flatMap((p) => subtreeEntries(this.node.tree, (k) => this.node.digestOf(k), p, width)),
    );
  }

  records(paths: readonly TreePath[]) {
    return this.trackPublic(`RECORDS ${paths.length}`, () =>
      paths.flatMap((p) => subtreeKeys(this.node.tree, p).map((key): WireVersionLike => ({ key, ...(this.node.getVersion(key) as ReturnType<typeof version>) }))),
    );
  }

  stamps(paths: readonly TreePath[]) {
    return this.trackPublic(`STAMPS ${paths.length}`, () =>
      paths.flatMap((p) =>
        subtreeKeys(this.node.tree, p).map((key) => {
          const { ts, node, deleted } = this.node.getVersion(key) as ReturnType<typeof version>;
          return { key, ts, node, deleted };
        }),
      ),
    );
  }

  putvs(versions: readonly WireVersionLike[]) {
    return this.trackPublic(`PUTVS ${versions.length}`, () => {
      let applied = 0;
      for (const v of versions) if (this.node.merge(v.key, { value: v.value, ts: v.ts, node: v.node, deleted: v.deleted }) === 'applied') applied += 1;
      return { applied, stale: versions.length - applied };
    });
  }
}

/** A client of an older node: it has the methods, but the node answers PEERV with Invalid command. */
class OldNodeClient extends FakeClient2 {
  override peerv(v: number): Promise<number> {
    this.requests.push(`PEERV ${v}`);
    return Promise.reject(new ServerError("Invalid command 'PEERV'"));
  }
}

/** A client of a protocol-3 node: PTREES and PENTRIES too. */
class FakeClient3 extends FakeClient2 {
  constructor(private readonly node3: Store) {
    super(node3);
  }

  override peerv(v: number) {
    return this.trackPublic(`PEERV ${v}`, () => Math.min(v, 3));
  }

  ptrees(width: number, sets: readonly PathSet[]): Promise<string> {
    return this.trackPublic(`PTREES ${width} ${sets.length}`, () => packTreeChildren(this.node3.tree, fromPathSets(sets, this.node3.tree.shape.fanout), width));
  }

  pentries(width: number, sets: readonly PathSet[]): Promise<LeafEntry[]> {
    return this.trackPublic(`PENTRIES ${width} ${sets.length}`, () =>
      fromPathSets(sets, this.node3.tree.shape.fanout).flatMap((p) => subtreeEntries(this.node3.tree, (k) => this.node3.digestOf(k), p, width)),
    );
  }
}

/** This code's client (it can send PTREES) with a protocol-2 node: PEERV 3 is answered 2, and PTREES is unknown there. */
class Protocol2NodeClient extends FakeClient3 {
  override peerv(v: number) {
    return this.trackPublic(`PEERV ${v}`, () => Math.min(v, 2));
  }

  override ptrees(): Promise<string> {
    return Promise.reject(new ServerError("Invalid command 'PTREES'"));
  }

  override pentries(): Promise<LeafEntry[]> {
    return Promise.reject(new ServerError("Invalid command 'PENTRIES'"));
  }
}

describe('connectTcpPeer, peer protocol 2', () => {
  const pair = () => {
    const local = makeStore('a');
    const remote = makeStore('b');
    for (let i = 0; i < 300; i++) {
      const v = version(`v${i}`, BASE_TS + i, 'a');
      local.merge(`k${i}`, v);
      remote.merge(`k${i}`, v);
    }
    for (let i = 0; i < 30; i++) local.merge(`l${i}`, version(`v${i}`, BASE_TS + i, 'a'));
    for (let i = 0; i < 30; i++) remote.merge(`r${i}`, version(`w${i}`, BASE_TS + i, 'b', i % 5 === 0));
    return { local, remote };
  };

  it('speaks protocol 2 with a node that answers PEERV: batched requests, no TREE or LEAF', async () => {
    const { local, remote } = pair();
    const client = new FakeClient2(remote);
    const peer = connectTcpPeer('h:1', { createClient: () => client });

    const report = await runSession(local, peer);

    expect(report).toMatchObject({ protocol: 2, pulled: 30, pushed: 30, confirmed: true });
    expect(report.roundTrips).toBeLessThanOrEqual(8);
    expect(local.tree.rootHex()).toBe(remote.tree.rootHex());
    expect(client.requests.some((r) => r.startsWith('TREES'))).toBe(true);
    expect(client.requests.some((r) => r.startsWith('PUTVS'))).toBe(true);
    expect(client.requests.filter((r) => r.startsWith('TREE ') || r.startsWith('LEAF') || r.startsWith('PUTV '))).toEqual([]);
  });

  it('falls back to HASH/TREE/LEAF/GETV/PUTV with a node that does not know PEERV (the mixed pair)', async () => {
    const { local, remote } = pair();
    const client = new OldNodeClient(remote);
    const peer = connectTcpPeer('h:1', { createClient: () => client });

    const report = await runSession(local, peer);

    expect(report).toMatchObject({ protocol: 1, mode: 'legacy', pulled: 30, pushed: 30 });
    expect(local.tree.rootHex()).toBe(remote.tree.rootHex());
    expect(client.requests[1]).toBe('PEERV 2');
    expect(client.requests.some((r) => r.startsWith('LEAF'))).toBe(true);
    expect(client.requests.filter((r) => /^(TREES|ENTRIES|RECORDS|PUTVS)/.test(r))).toEqual([]);
  });

  it('speaks protocol 3 with a node that answers PEERV 3: PTREES and PENTRIES instead of TREES and ENTRIES', async () => {
    const { local, remote } = pair();
    const client = new FakeClient3(remote);
    const peer = connectTcpPeer('h:1', { createClient: () => client });

    const report = await runSession(local, peer, { path: 'tree' });

    expect(report).toMatchObject({ protocol: 3, pulled: 30, pushed: 30, confirmed: true });
    expect(local.tree.rootHex()).toBe(remote.tree.rootHex());
    expect(client.requests[1]).toBe('PEERV 3');
    expect(client.requests.some((r) => r.startsWith('PTREES'))).toBe(true);
    expect(client.requests.some((r) => r.startsWith('PENTRIES'))).toBe(true);
    expect(client.requests.filter((r) => /^(TREES|ENTRIES|TREE |LEAF)/.test(r))).toEqual([]);
  });

  it('speaks protocol 2 with a protocol-2 node (the mixed pair): PEERV 3 answered 2, then text TREES and ENTRIES only', async () => {
    const { local, remote } = pair();
    const client = new Protocol2NodeClient(remote);
    const peer = connectTcpPeer('h:1', { createClient: () => client });

    const report = await runSession(local, peer, { path: 'tree' });

    expect(report).toMatchObject({ protocol: 2, pulled: 30, pushed: 30, confirmed: true });
    expect(local.tree.rootHex()).toBe(remote.tree.rootHex());
    expect(client.requests[1]).toBe('PEERV 3');
    expect(client.requests.some((r) => r.startsWith('TREES'))).toBe(true);
    expect(client.requests.filter((r) => /^(PTREES|PENTRIES|TREE |LEAF)/.test(r))).toEqual([]);
  });

  it('refuses a PTREES reply that does not hold the nodes asked, naming the peer', async () => {
    const { local, remote } = pair();
    const client = new FakeClient3(remote);
    client.ptrees = () => Promise.resolve('AAAA');
    const peer = connectTcpPeer('h:1', { createClient: () => client });
    await expect(runSession(local, peer, { path: 'tree' })).rejects.toMatchObject({
      code: 'PEER_PROTOCOL',
      message: expect.stringMatching(/^PTREES reply from h:1 does not hold the 1 nodes asked: Packed children: /),
    });
  });

  it('passes any other PEERV failure on', async () => {
    const client = new FakeClient2(makeStore('b'));
    client.peerv = () => Promise.reject(new ServerError('Authentication required'));
    const peer = connectTcpPeer('h:1', { createClient: () => client });
    await expect(peer.protocol2?.version()).rejects.toThrow('Authentication required');
  });

  it('splits PUTVS into lines under pushLineBytes, all pipelined', async () => {
    const remote = makeStore('b');
    const client = new FakeClient2(remote);
    const peer = connectTcpPeer('h:1', { pushLineBytes: 2000, createClient: () => client });
    const versions = Array.from({ length: 100 }, (_, i) => [`k${i}`, version('v'.repeat(20), BASE_TS, 'a')] as [string, ReturnType<typeof version>]);
    await peer.protocol2?.putMany(versions);
    const lines = client.requests.filter((r) => r.startsWith('PUTVS'));
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.reduce((n, r) => n + Number(r.split(' ')[1]), 0)).toBe(100);
    expect(client.maxInFlight).toBe(lines.length);
    expect(remote.get('k99')).toBe('v'.repeat(20));
  });
});

describe('connectTcpPeer', () => {
  it('drives a whole session over the client commands, reading every LEAF page', async () => {
    const local = makeStore('a');
    const remote = makeStore('b');
    for (let i = 0; i < 40; i++) local.merge(`l${i}`, version(`v${i}`, BASE_TS + i, 'a'));
    for (let i = 0; i < 40; i++) remote.merge(`r${i}`, version(`w${i}`, BASE_TS + i, 'b', i % 5 === 0));
    const client = new FakeClient(remote, 1);
    let made: { host: string; port: number; timeoutMs: number } | undefined;
    const peer = connectTcpPeer('10.1.2.3:7878', {
      getvBatch: 7,
      putvWindow: 4,
      timeoutMs: 1234,
      createClient: (opts) => {
        made = opts;
        return client;
      },
    });

    const report = await runSession(local, peer);
    await peer.close();

    expect(made).toEqual({ host: '10.1.2.3', port: 7878, timeoutMs: 1234 });
    expect(report).toMatchObject({ pulled: 40, pushed: 40 });
    expect(local.tree.rootHex()).toBe(remote.tree.rootHex());
    expect(remote.getVersion('r5')?.deleted).toBe(true);
    expect(local.getVersion('r5')?.deleted).toBe(true);
    // GETV in lines of at most 7 keys, all sent before the first reply (pipelined).
    const getv = client.requests.filter((r) => r.startsWith('GETV'));
    expect(getv).toHaveLength(Math.ceil(80 / 7));
    expect(Math.max(...getv.map((r) => r.split(' ').length - 1))).toBe(7);
    // PUTV pipelined, at most 4 in flight.
    expect(client.requests.filter((r) => r.startsWith('PUTV'))).toHaveLength(40);
    expect(client.maxInFlight).toBeGreaterThanOrEqual(Math.ceil(80 / 7));
    expect(peer.bytes()).toBe(client.bytesRead + client.bytesWritten);
    expect(report.bytes).toBe(peer.bytes());
    expect(client.closed).toBe(true);
  });

  it('passes the cluster secret and TLS options to the client it makes', async () => {
    const client = new FakeClient(makeStore('b'));
    let made: unknown;
    const tls = { rejectUnauthorized: true };
    const peer = connectTcpPeer('h:1', { peerSecret: 'the-cluster-secret', tls, createClient: (opts) => ((made = opts), client) });
    await peer.root();
    expect(made).toEqual({ host: 'h', port: 1, timeoutMs: 10_000, peerSecret: 'the-cluster-secret', tls });
  });

  it('keeps at most putvWindow PUTV in flight', async () => {
    const remote = makeStore('b');
    const client = new FakeClient(remote);
    const peer = connectTcpPeer('h:1', { putvWindow: 3, createClient: () => client });
    await peer.putVersions(Array.from({ length: 10 }, (_, i) => [`k${i}`, version('v', BASE_TS, 'a')] as [string, ReturnType<typeof version>]));
    expect(client.maxInFlight).toBe(3);
    expect(remote.get('k9')).toBe('v');
  });

  it('rejects a GETV reply of the wrong length', async () => {
    const client = new FakeClient(makeStore('b'));
    client.getv = async () => [];
    const peer = connectTcpPeer('h:1', { createClient: () => client });
    await expect(peer.getVersions(['a'])).rejects.toMatchObject({ code: 'PEER_PROTOCOL' });
  });

  it('gives up on a LEAF listing that never ends', async () => {
    const client = new FakeClient(makeStore('b'));
    let n = 0;
    client.leaf = async () => ({ entries: [], cursor: `c${n++}` });
    const peer = connectTcpPeer('h:1', { maxLeafPages: 5, createClient: () => client });
    await expect(peer.leaf([0, 0, 0, 0])).rejects.toMatchObject({ code: 'PEER_PROTOCOL' });
    expect(n).toBe(5);
  });

  it('rejects an address without a port', () => {
    expect(thrownCode(() => connectTcpPeer('localhost'))).toBe('INVALID_ADDRESS');
  });
});
