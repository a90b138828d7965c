import { Store } from '@merklekv/storage';
import type { MemoryBus } from '../memory-bus.js';
import type { MemoryPubSub } from '../memory-bus.js';
import type { Logger } from '@merklekv/storage';
import { Replicator, type ReplicatorOptions } from '../replicator.js';
import type { Timers } from '@merklekv/storage';

/** One node of a unit test: a store, its replicator and its pub/sub client on a memory bus. */
export interface TestReplica {
  readonly store: Store;
  readonly pubsub: MemoryPubSub;
  readonly replicator: Replicator;
}

/** Creates and starts a replica on `bus`. */
export async function startReplica(
  bus: MemoryBus,
  nodeId: string,
  timers: Timers,
  opts: Partial<Omit<ReplicatorOptions, 'store' | 'nodeId' | 'pubsub' | 'topicPrefix'>> & { logger?: Logger } = {},
): Promise<TestReplica> {
  const store = new Store({ nodeId });
  const pubsub = bus.connect(nodeId);
  const replicator = new Replicator({ store, nodeId, topicPrefix: 'test', pubsub, timers, ...opts });
  await replicator.start();
  return { store, pubsub, replicator };
}

/** Every record of a store (tombstones included), sorted by key, for equality checks. */
export function dump(store: Store, keys: Iterable<string>): Array<[string, unknown]> {
  return [...new Set(keys)].sort().map((k) => [k, store.getVersion(k)]);
}
