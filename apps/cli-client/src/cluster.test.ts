import { describe, expect, it } from '@jest/globals';
import { parseClusterArgs, renderClusterTable, type ClusterViewJson } from './cluster.js';

describe('parseClusterArgs', () => {
  it('takes --admin (or $MERKLEKV_ADMIN), --watch with --count, --json', () => {
    expect(parseClusterArgs(['--admin', 'h:9100'], {})).toEqual({ admin: 'h:9100', watch: false, count: undefined, json: false });
    expect(parseClusterArgs(['--watch', '--count=3', '--json'], { MERKLEKV_ADMIN: '127.0.0.1:1' })).toEqual({ admin: '127.0.0.1:1', watch: true, count: 3, json: true });
  });

  it('names what is wrong', () => {
    expect(() => parseClusterArgs([], {})).toThrow(/--admin HOST:PORT/);
    expect(() => parseClusterArgs(['--admin', 'nohost'], {})).toThrow(/host:port/);
    expect(() => parseClusterArgs(['--admin', 'h:1', '--count', '2'], {})).toThrow(/--count goes with --watch/);
    expect(() => parseClusterArgs(['--admin', 'h:1', '--watch', '--count', '0'], {})).toThrow(/positive integer/);
    expect(() => parseClusterArgs(['--admin', 'h:1', 'extra'], {})).toThrow(/usage: cluster/);
  });
});

describe('renderClusterTable', () => {
  const view: ClusterViewJson = {
    generatedAt: '2026-01-01T00:00:10.000Z',
    nodeId: 'n1',
    antiEntropy: { enabled: true, intervalSeconds: 5 },
    summary: { nodes: 3, up: 2, unreachable: 1, diverged: 1 },
    nodes: [
      { self: true, address: '127.0.0.1:7001', nodeId: 'n1', up: true, keys: 10, root: 'abcdef0123456789', sameRoot: true, replication: { connected: true, queueDepth: 0 }, activity: { opsPerSec: 12.34, p99LatencyMs: 0.5 } },
      { self: false, address: '127.0.0.1:7002', nodeId: 'n2', up: true, keys: 9, root: '0000000000000000', sameRoot: false, divergedSeconds: 42, replication: null, lastSession: { at: '2026-01-01T00:00:07.000Z', ok: true, roundTrips: 5, keysRepaired: 1 } },
      { self: false, address: '127.0.0.1:7003', up: false, error: 'no answer within 1500 ms', lastSession: { at: '2026-01-01T00:00:00.000Z', ok: false, error: 'ECONNREFUSED' } },
    ],
  };

  it('prints a summary, one aligned row per node, and the probe errors', () => {
    const lines = renderClusterTable(view).split('\n');
    expect(lines[0]).toBe('n1 sees 3 nodes: 2 up, 1 unreachable · anti-entropy every 5 s · 2026-01-01T00:00:10.000Z');
    expect(lines[2]).toMatch(/^NODE\s+ADDRESS\s+STATE\s+KEYS\s+ROOT\s+LAST SYNC\s+REPLICATION\s+OPS\/S\s+P99$/);
    expect(lines[3]).toMatch(/^n1\s+127\.0\.0\.1:7001\s+this node\s+10\s+abcdef012345\s+-\s+connected q=0\s+12\.3\s+0\.50ms$/);
    expect(lines[4]).toMatch(/^n2\s+127\.0\.0\.1:7002\s+DIVERGED 42s\s+9\s+000000000000\s+3s ago ok 5 rt 1 fixed\s+no MQTT\s+-\s+-$/);
    expect(lines[5]).toMatch(/^\?\s+127\.0\.0\.1:7003\s+UNREACHABLE\s+-\s+-\s+10s ago failed\s+-/);
    // Columns line up: each row's ADDRESS starts where the header's does.
    const col = (lines[2] as string).indexOf('ADDRESS');
    for (const row of lines.slice(3, 6)) expect(row.indexOf('127.0.0.1')).toBe(col);
    expect(lines.at(-1)).toBe('  127.0.0.1:7003: no answer within 1500 ms');
  });
});
