import { MerkleTree, versionDigest } from '@merklekv/merkle';
import { HybridClock } from '../hlc.js';
import type { StorageEngine } from '../engine.js';
import { Store } from '../store.js';

/** A store on a fake wall clock (starting at `ms`) that tests move by hand. */
export function makeStore(
  opts: { nodeId?: string; memoryLimitBytes?: number; engine?: StorageEngine; ms?: number; maxOffsetMs?: number } = {},
): { store: Store; wall: { ms: number } } {
  const wall = { ms: opts.ms ?? 1_000_000 };
  const clock = new HybridClock({ now: () => wall.ms, maxOffsetMs: opts.maxOffsetMs ?? 500 });
  const store = new Store({
    nodeId: opts.nodeId ?? 'n1',
    clock,
    ...(opts.engine ? { engine: opts.engine } : {}),
    ...(opts.memoryLimitBytes !== undefined ? { memoryLimitBytes: opts.memoryLimitBytes } : {}),
  });
  return { store, wall };
}

/** The root of a tree built from scratch from the store's records (what the store's tree must equal). */
export function rebuiltRoot(store: Store): string {
  const tree = new MerkleTree(store.tree.shape);
  for (const [key, r] of store.versions()) tree.update(key, null, versionDigest(key, r.value, r.ts, r.node, r.deleted, r.expireAt ?? 0));
  return tree.rootHex();
}
