import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { packTs } from '@merklekv/storage';
import { freePort, LineClient, startTestNode } from './__tests__/harness.js';
import { ClockSkewMonitor, SKEW_LOG_INTERVAL_MS } from './clock-skew.js';

const capture = (lines: string[]) => pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });

describe('ClockSkewMonitor', () => {
  it('counts every event per peer and logs at most once a minute per peer', () => {
    const lines: string[] = [];
    let now = 1_000_000;
    const monitor = new ClockSkewMonitor(capture(lines), () => now);
    for (let i = 0; i < 5; i++) monitor.observe({ key: `k${i}`, node: 'fast-node', ts: 0, skewMs: 900 + i });
    monitor.observe({ key: 'x', node: 'other', ts: 0, skewMs: 700 });
    expect(lines).toHaveLength(2); // one per peer
    now += SKEW_LOG_INTERVAL_MS - 1;
    monitor.observe({ key: 'k', node: 'fast-node', ts: 0, skewMs: 950 });
    expect(lines).toHaveLength(2);
    now += 1;
    monitor.observe({ key: 'k', node: 'fast-node', ts: 0, skewMs: 960 });
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[2] as string)).toMatchObject({ level: 40, peer: 'fast-node', skew_ms: 960, events: 7, suppressed: 5 });
    expect(monitor.events).toBe(8);
    expect(monitor.section(960)).toEqual(['Clock', { clock_skew_events: 8, clock_skew_max_ms: 960, clock_skew_peers: 'fast-node=7/960ms,other=1/700ms' }]);
  });
});

describe('a node merging a version from a clock far ahead', () => {
  it('shows the skew in INFO, in the metrics and in one log line', async () => {
    const lines: string[] = [];
    const adminPort = await freePort();
    const node = await startTestNode({ admin: { port: adminPort } }, 'skew-node', capture(lines));
    const c = await LineClient.open(node.port);
    try {
      const ahead = packTs(Date.now() + 60_000);
      expect(await c.call(`PUTV far:1 ${ahead} runaway 0 v1`)).toBe('APPLIED');
      expect(await c.call(`PUTV far:2 ${ahead + 1} runaway 0 v2`)).toBe('APPLIED');
      c.send('INFO\r\n');
      const info = await c.untilEnd();
      expect(info).toContain('# Clock');
      expect(info).toContain('clock_skew_events:2');
      expect(info.find((l) => l.startsWith('clock_skew_max_ms:'))).toMatch(/^clock_skew_max_ms:(59\d{3}|60000)$/);
      expect(info.find((l) => l.startsWith('clock_skew_peers:'))).toMatch(/^clock_skew_peers:runaway=2\/\d+ms$/);
      const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
      expect(metrics).toMatch(/^merklekv_clock_skew_events_total 2$/m);
      expect(lines.filter((l) => l.includes('clock skew'))).toHaveLength(1);
    } finally {
      c.close();
      await node.stop();
    }
  });
});
