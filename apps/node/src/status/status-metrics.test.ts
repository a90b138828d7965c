import { describe, expect, it } from '@jest/globals';
import { Counter, Registry } from 'prom-client';
import { ClusterMonitor } from './cluster-view.js';
import { registerStatusMetrics } from './status-metrics.js';

const monitor = new ClusterMonitor({
  nodeId: 'n',
  address: '127.0.0.1:1',
  peers: () => [],
  root: () => ({ root: '00', count: 0 }),
  keys: () => 0,
  replication: () => undefined,
  queueLimit: 10,
  antiEntropy: () => ({ sessions: 0, failures: 0, keysRepaired: 0, keysPulled: 0, keysPushed: 0, bytes: 0, running: 0, queued: 0, peers: [] }),
  antiEntropyEnabled: false,
  intervalSeconds: () => 7,
  activity: () => undefined,
  probe: () => Promise.reject(new Error('no peers to probe')),
});
const source = { monitor, replication: () => undefined, queueLimit: 10, intervalSeconds: () => 7, adminAuthFailures: () => 2 };

describe('registerStatusMetrics', () => {
  it('registers merklekv_storage_write_failures_total, counting what is added to it', async () => {
    const registry = new Registry();
    const { storageWriteFailures } = registerStatusMetrics(registry, source);
    storageWriteFailures.inc(3);
    const text = await registry.metrics();
    expect(text).toMatch(/^merklekv_storage_write_failures_total 3$/m);
    expect(text).toMatch(/^merklekv_anti_entropy_interval_seconds 7$/m);
    expect(text).toMatch(/^merklekv_admin_auth_failures_total 2$/m);
  });

  it('uses the storage failure counter when the node registered it first', () => {
    const registry = new Registry();
    const existing = new Counter({ name: 'merklekv_storage_write_failures_total', help: 'h', registers: [registry] });
    expect(registerStatusMetrics(registry, source).storageWriteFailures).toBe(existing);
  });
});
