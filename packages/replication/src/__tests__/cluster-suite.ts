/**
 * The integration suite every real broker must pass: three stores, each with a
 * replicator and its own MQTT connection, in one process.
 */
import mqtt from 'mqtt';
import { compareVersions, type VersionedRecord } from '@merklekv/storage';
import { encodeBatch } from '../event-codec.js';
import { snapshot, startCluster, stopCluster, type ClusterNode } from './cluster.js';
import { waitFor } from '@merklekv/test-support';

let prefixSeq = 0;

/** Registers the cluster tests; `brokerUrl()` is read once the broker is up (in beforeAll). */
export function clusterSuite(brokerUrl: () => string): void {
  let nodes: ClusterNode[] = [];
  let prefix = '';

  beforeEach(async () => {
    prefix = `mkv-it-${process.pid}-${++prefixSeq}`;
    nodes = await startCluster(brokerUrl(), 3, prefix);
    await waitFor('all nodes connected', () => nodes.every((n) => n.replicator.stats().connected));
  });

  afterEach(async () => {
    await stopCluster(nodes);
  });

  const converged = (keys: readonly string[]) => () => {
    const [first, ...rest] = nodes.map((n) => JSON.stringify(snapshot(n, keys)));
    return rest.every((s) => s === first);
  };

  it('replicates every write type to all three nodes', async () => {
    const [n1, n2, n3] = nodes as [ClusterNode, ClusterNode, ClusterNode];
    n1.store.set('user:1', 'alice');
    n1.store.set('doomed', 'x');
    await waitFor('doomed reaches node-2', () => n2.store.get('doomed') === 'x');
    expect(n2.store.delete('doomed')).toBe(true);
    n2.store.incrBy('counter', 10n);
    n3.store.set('greeting', 'Hello');
    n3.store.append('greeting', ' World!');
    n1.store.set('path', '/usr/bin');
    n1.store.prepend('path', '/opt:');
    n2.store.mset([
      ['m:1', 'one'],
      ['m:2', 'two with spaces'],
    ]);
    n3.store.set('multi', 'line\r\nvalue');
    const keys = ['user:1', 'doomed', 'counter', 'greeting', 'path', 'm:1', 'm:2', 'multi'];
    await waitFor('every node holds every key', () => nodes.every((n) => keys.every((k) => n.store.getVersion(k) !== undefined)));
    await waitFor('convergence', converged(keys));
    await waitFor('counter at 10 everywhere', () => nodes.every((n) => n.store.get('counter') === '10'));
    n3.store.incrBy('counter', -3n);
    await waitFor('decrement replicated', () => nodes.every((n) => n.store.get('counter') === '7'));
    for (const n of nodes) {
      expect(n.store.get('greeting')).toBe('Hello World!');
      expect(n.store.get('path')).toBe('/opt:/usr/bin');
      expect(n.store.get('multi')).toBe('line\r\nvalue');
      expect(n.store.getVersion('doomed')?.deleted).toBe(true);
    }
    n2.store.flush();
    await waitFor('flush replicated', () => nodes.every((n) => n.store.size === 0));
    await waitFor('convergence after flush', converged(keys));
    const roots = nodes.map((n) => n.store.tree.rootHex());
    expect(new Set(roots).size).toBe(1);
    for (const n of nodes) expect(n.replicator.stats()).toMatchObject({ rejected: 0, dropped: 0 });
  });

  it('resolves concurrent writes to one key identically everywhere (HLC order, ties by node id)', async () => {
    const written: VersionedRecord[] = [];
    for (let round = 0; round < 20; round++) {
      for (const n of nodes) written.push(n.store.set('contended', `${n.id}-${round}`));
    }
    const winner = written.reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b));
    await waitFor('the LWW winner everywhere', () => nodes.every((n) => n.store.get('contended') === winner.value));
    expect(new Set(nodes.map((n) => n.store.tree.rootHex())).size).toBe(1);
  });

  it('counts malformed and foreign payloads as rejected and applies none', async () => {
    const intruder = await mqtt.connectAsync(brokerUrl(), { clientId: `${prefix}-intruder` });
    const topic = `${prefix}/updates`;
    const bad = [
      'garbage',
      '{"sensor":"t1","value":21.5}',
      JSON.stringify({ v: 2, n: 'future', e: [['k', 1, 0, 'v']] }),
      JSON.stringify({ v: 1, e: [['k', 1, 0, 'v']] }),
      JSON.stringify({ v: 1, n: 'x', e: [['k', 'soon', 0, 'v']] }),
      JSON.stringify({ v: 1, n: 'x', e: [['k', 1, 1, 'undead']] }),
    ];
    for (const p of bad) await intruder.publishAsync(topic, p, { qos: 1 });
    const ok = encodeBatch('outsider', [{ key: 'sentinel', record: { value: 'ok', ts: 1, node: 'outsider', deleted: false } }]);
    await intruder.publishAsync(topic, ok, { qos: 1 });
    await waitFor('sentinel everywhere', () => nodes.every((n) => n.store.get('sentinel') === 'ok'));
    for (const n of nodes) {
      expect(n.replicator.stats()).toMatchObject({ rejected: bad.length, applied: 1 });
      expect(n.store.recordCount).toBe(1);
    }
    await intruder.endAsync();
  });
}
