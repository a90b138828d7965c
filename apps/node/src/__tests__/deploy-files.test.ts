/**
 * deploy/grafana/merklekv.json and deploy/prometheus/alerts.yml against a
 * live node: both parse, have the shape Grafana and Prometheus expect, and
 * every metric their expressions name is one the node really exports on
 * /metrics (a node with the broker embedded, a peer and a sample of commands,
 * so every family is there).
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import type { RunningNode } from '../node.js';
import { freePort, LineClient, REPO_ROOT, startTestNode } from './harness.js';

jest.setTimeout(30_000);

/** Series Prometheus itself adds, which a node cannot export. */
const PROMETHEUS_SERIES = new Set(['up']);

/** Every series name in a Prometheus text exposition (histograms as _bucket, _sum, _count). */
function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type === null) continue;
    const [, name = '', kind] = type;
    if (kind === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    else names.add(name);
  }
  return names;
}

/** Metric names in a PromQL expression: every merklekv_* name, and any other name used as a selector (`name{`). */
function metricNames(expr: string): string[] {
  const names = new Set<string>(expr.match(/\bmerklekv_[a-z0-9_]+\b/g) ?? []);
  for (const m of expr.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{/g)) names.add(m[1] as string);
  return [...names];
}

function balanced(expr: string): boolean {
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const stack: string[] = [];
  let quoted = false;
  for (const c of expr) {
    if (c === '"') quoted = !quoted;
    if (quoted) continue;
    if ('([{'.includes(c)) stack.push(c);
    else if (c in pairs && stack.pop() !== pairs[c]) return false;
  }
  return stack.length === 0 && !quoted;
}

interface Panel {
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Array<{ expr: string; refId: string }>;
}

describe('the Grafana dashboard and the Prometheus alerts', () => {
  let node: RunningNode;
  let peer: RunningNode;
  let exported: Set<string>;

  beforeAll(async () => {
    peer = await startTestNode({}, 'peer');
    const adminPort = await freePort();
    node = await startTestNode(
      {
        admin: { port: adminPort },
        mqtt: { broker_address: 'embedded', embedded_port: await freePort() },
        anti_entropy: { enabled: false, peer_list: [`127.0.0.1:${peer.port}`] },
      },
      'node',
    );
    const client = await LineClient.open(node.port);
    let batch = '';
    for (let i = 0; i < 64; i++) batch += `SET k${i} v\r\nGET k${i}\r\n`;
    client.send(batch);
    for (let i = 0; i < 128; i++) await client.line();
    client.socket.destroy();
    const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    exported = exportedNames(text);
    expect(text).toMatch(new RegExp(`merklekv_peer_up\\{peer="127.0.0.1:${peer.port}"\\} 1`));
  });
  afterAll(async () => {
    await node.stop();
    await peer.stop();
  });

  it('the dashboard parses, with datasource and instance variables, and every panel queries exported metrics', () => {
    const dashboard = JSON.parse(readFileSync(join(REPO_ROOT, 'deploy/grafana/merklekv.json'), 'utf8')) as {
      title: string;
      uid: string;
      panels: Panel[];
      templating: { list: Array<{ name: string; type: string; query: unknown }> };
    };
    expect(dashboard.title).toBe('MerkleKV');
    const vars = new Map(dashboard.templating.list.map((v) => [v.name, v]));
    expect(vars.get('datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(vars.get('instance')).toMatchObject({ type: 'query' });

    const panels = dashboard.panels.filter((p) => p.type !== 'row');
    const titles = panels.map((p) => p.title);
    for (const title of ['Ops/s by command', 'Latency quantiles', 'Keys', 'Memory', 'Connections', 'Events in/out', 'Lag', 'Queue', 'Sessions', 'Keys repaired', 'Bytes exchanged', 'Root divergence time', 'Storage write failures']) {
      expect(titles).toContain(title);
    }
    const used = new Set<string>();
    for (const panel of panels) {
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const { expr } of panel.targets ?? []) {
        expect(balanced(expr)).toBe(true);
        expect(expr).toContain('instance=~"$instance"');
        for (const name of metricNames(expr)) {
          used.add(name);
          if (!PROMETHEUS_SERIES.has(name)) expect({ panel: panel.title, name, exported: exported.has(name) }).toEqual({ panel: panel.title, name, exported: true });
        }
      }
    }
    for (const name of ['merklekv_peer_divergence_seconds', 'merklekv_storage_write_failures_total', 'merklekv_replication_lag_seconds', 'merklekv_command_duration_seconds_bucket']) {
      expect(used).toContain(name);
    }
  });

  it('the alert rules parse, cover the required conditions, and name exported metrics', () => {
    const rules = YAML.parse(readFileSync(join(REPO_ROOT, 'deploy/prometheus/alerts.yml'), 'utf8')) as {
      groups: Array<{ name: string; rules: Array<{ alert: string; expr: string; for?: string; labels: { severity: string }; annotations: { summary: string; description: string } }> }>;
    };
    const all = rules.groups.flatMap((g) => g.rules);
    const byName = new Map(all.map((r) => [r.alert, r]));
    for (const name of ['MerkleKVNodeDown', 'MerkleKVBrokerDisconnected', 'MerkleKVReplicasDiverged', 'MerkleKVStorageWriteFailures', 'MerkleKVReplicationQueueNearLimit']) {
      expect(byName.has(name)).toBe(true);
    }
    expect(byName.get('MerkleKVBrokerDisconnected')).toMatchObject({ for: '1m' });
    expect(byName.get('MerkleKVReplicasDiverged')?.expr).toContain('2 * merklekv_anti_entropy_interval_seconds');
    for (const rule of all) {
      expect(['critical', 'warning']).toContain(rule.labels.severity);
      expect(rule.annotations.summary.length).toBeGreaterThan(0);
      expect(balanced(rule.expr)).toBe(true);
      if (rule.for !== undefined) expect(rule.for).toMatch(/^\d+[smh]$/);
      for (const name of metricNames(rule.expr)) {
        if (!PROMETHEUS_SERIES.has(name)) expect({ alert: rule.alert, name, exported: exported.has(name) }).toEqual({ alert: rule.alert, name, exported: true });
      }
    }
  });
});
