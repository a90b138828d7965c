/**
 * `GET /`, `GET /cluster` and their series on real in-process nodes: node A
 * (admin listener on) lists node B in its peer_list and probes it over the
 * peer protocol; no broker, anti-entropy off, so their roots move only when
 * the test writes.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { RunningNode } from '../node.js';
import type { ClusterView, NodeView } from '../status/cluster-view.js';
import { freePort, LineClient, startTestNode } from './harness.js';

async function view(base: string, headers: Record<string, string> = {}): Promise<ClusterView> {
  const res = await fetch(`${base}/cluster`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/json');
  return (await res.json()) as ClusterView;
}

/** Polls /cluster until `check` holds for the peer row (the view is cached for 1 s). */
async function peerRow(base: string, check: (row: NodeView) => boolean): Promise<NodeView> {
  const deadline = Date.now() + 10_000;
  let last: NodeView | undefined;
  while (Date.now() < deadline) {
    last = (await view(base)).nodes.find((n) => !n.self);
    if (last !== undefined && check(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`peer row never matched; last: ${JSON.stringify(last)}`);
}

async function send(port: number, line: string): Promise<string> {
  const client = await LineClient.open(port);
  client.send(`${line}\r\n`);
  const reply = await client.line();
  client.socket.destroy();
  return reply;
}

/** Copies `key`'s version (value, timestamp, node) from one node to another: GETV then PUTV. */
async function copyVersion(from: number, to: number, key: string): Promise<void> {
  const client = await LineClient.open(from);
  client.send(`GETV ${key}\r\n`);
  const version = await client.line();
  expect(await client.line()).toBe('END');
  client.socket.destroy();
  expect(await send(to, `PUTV ${version}`)).toBe('APPLIED');
}

function series(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (m !== null && m[1] === name) out.set(m[2] ?? '', Number(m[3]));
  }
  return out;
}

jest.setTimeout(30_000);

describe('the cluster status endpoints', () => {
  let a: RunningNode;
  let b: RunningNode;
  let base: string;
  let peer: string;

  beforeAll(async () => {
    b = await startTestNode({}, 'node-b');
    peer = `127.0.0.1:${b.port}`;
    const adminPort = await freePort();
    a = await startTestNode({ admin: { port: adminPort }, anti_entropy: { enabled: false, peer_list: [peer] } }, 'node-a');
    base = `http://127.0.0.1:${adminPort}`;
  });
  afterAll(async () => {
    await a.stop();
    await b.stop();
  });

  it('serves the status page: one self-contained HTML file that polls /cluster', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toContain('<title>MerkleKV cluster</title>');
    expect(html).toContain("fetch('cluster'");
    // Nothing is loaded from elsewhere: no external script, style or font.
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
  });

  it('shows this node and its peer, in sync, with keys and roots', async () => {
    await send(a.port, 'SET shared v1');
    await copyVersion(a.port, b.port, 'shared');
    const row = await peerRow(base, (r) => r.sameRoot === true);
    const v = await view(base);
    expect(v.nodeId).toBe('node-a');
    expect(v.nodes).toHaveLength(2);
    const self = v.nodes[0] as NodeView;
    expect(self).toMatchObject({ self: true, nodeId: 'node-a', up: true, keys: 1, sameRoot: true, replication: null, sources: ['self'] });
    expect(self.root).toMatch(/^[0-9a-f]{32,64}$/);
    expect(row).toMatchObject({ self: false, nodeId: 'node-b', address: peer, up: true, keys: 1, records: 1, root: self.root, sources: ['peer_list'] });
    expect(row.divergedSeconds).toBeUndefined();
    expect(v.summary).toEqual({ nodes: 2, up: 2, unreachable: 0, inSync: 2, diverged: 0 });
    expect(v.antiEntropy).toMatchObject({ enabled: false, intervalSeconds: 300 });
  });

  it('flags a peer whose root differs, with since when, and counts the seconds in /metrics', async () => {
    const before = Date.now();
    await send(b.port, 'SET only-on-b x');
    const row = await peerRow(base, (r) => r.sameRoot === false && (r.divergedSeconds ?? 0) >= 1);
    expect(row.keys).toBe(2);
    // Since the last probe that saw the roots equal: before the write.
    expect(Date.parse(row.divergedSince ?? '')).toBeLessThanOrEqual(before);
    const v = await view(base);
    expect(v.summary).toMatchObject({ nodes: 2, up: 2, inSync: 1, diverged: 1 });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(series(metrics, 'merklekv_peer_up').get(`{peer="${peer}"}`)).toBe(1);
    expect(series(metrics, 'merklekv_peer_divergence_seconds').get(`{peer="${peer}"}`)).toBeGreaterThanOrEqual(1);
    expect(series(metrics, 'merklekv_anti_entropy_interval_seconds').get('')).toBe(300);

    await copyVersion(b.port, a.port, 'only-on-b');
    const fixed = await peerRow(base, (r) => r.sameRoot === true);
    expect(fixed.divergedSeconds).toBeUndefined();
    const after = await (await fetch(`${base}/metrics`)).text();
    expect(series(after, 'merklekv_peer_divergence_seconds').get(`{peer="${peer}"}`)).toBe(0);
  });

  it('reports rates in INFO # Activity and on the page', async () => {
    const client = await LineClient.open(a.port);
    let batch = '';
    for (let i = 0; i < 500; i++) batch += `SET act:${i} v\r\n`;
    client.send(batch);
    for (let i = 0; i < 500; i++) await client.line();
    client.socket.destroy();
    const deadline = Date.now() + 10_000;
    let self: NodeView | undefined;
    while (Date.now() < deadline) {
      self = (await view(base)).nodes[0];
      if ((self?.activity?.opsPerSec ?? 0) > 0) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(self?.activity?.opsPerSec).toBeGreaterThan(0);
    // The peer's figures come from its INFO # Activity section.
    const info = await LineClient.open(b.port);
    info.send('INFO\r\n');
    const lines: string[] = [];
    for (let line = await info.line(); line !== 'END'; line = await info.line()) lines.push(line);
    info.socket.destroy();
    expect(lines).toContain('# Activity');
    expect(lines.some((l) => /^ops_per_sec:/.test(l))).toBe(true);
  });

  it('shows a stopped peer unreachable, with the reason', async () => {
    await b.stop();
    const row = await peerRow(base, (r) => !r.up);
    expect(row.error).toMatch(/ECONNREFUSED|connect|closed/i);
    expect(row.root).toBeUndefined();
    const v = await view(base);
    expect(v.summary).toMatchObject({ nodes: 2, up: 1, unreachable: 1 });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(series(metrics, 'merklekv_peer_up').get(`{peer="${peer}"}`)).toBe(0);
  });
});

describe('the status page with [security] passwords', () => {
  let node: RunningNode;
  let base: string;
  const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

  beforeAll(async () => {
    const adminPort = await freePort();
    node = await startTestNode({
      admin: { port: adminPort },
      security: { password: 'shared-secret', users: { ops: { password: 'ops-pass', role: 'admin' }, viewer: { password: 'view-pass', role: 'read' } } },
    });
    base = `http://127.0.0.1:${adminPort}`;
  });
  afterAll(() => node.stop());

  it('asks for credentials on / and /cluster', async () => {
    for (const path of ['/', '/cluster']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="MerkleKV admin", charset="UTF-8"');
    }
  });

  it('accepts an admin user or the shared password, refuses others and counts them', async () => {
    expect((await fetch(`${base}/cluster`, { headers: basic('ops', 'ops-pass') })).status).toBe(200);
    expect((await fetch(`${base}/`, { headers: basic('ops', 'ops-pass') })).status).toBe(200);
    expect((await fetch(`${base}/cluster`, { headers: basic('anyone', 'shared-secret') })).status).toBe(200);
    expect((await fetch(`${base}/cluster`, { headers: basic('ops', 'wrong') })).status).toBe(401);
    expect((await fetch(`${base}/cluster`, { headers: basic('viewer', 'view-pass') })).status).toBe(401); // not an admin
    expect((await fetch(`${base}/cluster`, { headers: basic('viewer', 'shared-secret') })).status).toBe(401); // a known user's own password only
    expect((await fetch(`${base}/cluster`, { headers: { authorization: 'Bearer abc' } })).status).toBe(401);
    const metrics = await fetch(`${base}/metrics`); // scrapes stay open
    expect(metrics.status).toBe(200);
    expect(series(await metrics.text(), 'merklekv_admin_auth_failures_total').get('')).toBe(4);
  });
});
