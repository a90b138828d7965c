import { Store } from '@merklekv/storage';
import { createMqttPubSub } from '../mqtt-pubsub.js';
import type { PubSub } from '../pubsub.js';
import { Replicator, type ReplicatorOptions } from '../replicator.js';

/** One "node" of an integration test: a store and a replicator with its own MQTT connection. */
export interface ClusterNode {
  readonly id: string;
  readonly store: Store;
  readonly pubsub: PubSub;
  readonly replicator: Replicator;
}

/** Starts `count` nodes against the broker at `brokerUrl`, each waiting until connected. */
export async function startCluster(
  brokerUrl: string,
  count: number,
  topicPrefix: string,
  opts: Partial<Pick<ReplicatorOptions, 'replayLimit' | 'batchMaxEvents' | 'batchMaxDelayMs' | 'queueLimit'>> = {},
): Promise<ClusterNode[]> {
  const nodes: ClusterNode[] = [];
  for (let i = 1; i <= count; i++) {
    const id = `node-${i}`;
    const store = new Store({ nodeId: id });
    const pubsub = createMqttPubSub({ brokerUrl, clientId: `${topicPrefix}-${id}`, reconnectBackoff: () => 50, keepAlive: 5 });
    const replicator = new Replicator({ store, nodeId: id, topicPrefix, pubsub, ...opts });
    await replicator.start();
    nodes.push({ id, store, pubsub, replicator });
  }
  return nodes;
}

/** Stops every replicator and closes every connection. */
export async function stopCluster(nodes: readonly ClusterNode[]): Promise<void> {
  for (const node of nodes) {
    await node.replicator.stop();
    await node.pubsub.close();
  }
}

/** Each node's records for `keys`, sorted (tombstones included). */
export function snapshot(node: ClusterNode, keys: Iterable<string>): Array<[string, unknown]> {
  return [...new Set(keys)].sort().map((k) => {
    const v = node.store.getVersion(k);
    return [k, v === undefined ? undefined : { ...v }];
  });
}
