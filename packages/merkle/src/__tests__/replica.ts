// A minimal in-memory replica for tests: records with LWW merge, kept in a tree.
import { MerkleError } from '../errors.js';
import { MerkleTree } from '../tree.js';
import { versionDigest } from '../version-digest.js';
import { localTree } from '../remote-tree.js';
import type { RemoteTree } from '../remote-tree.js';
import type { TreeShape } from '../shape.js';

export interface Version {
  readonly value: string;
  readonly ts: number;
  readonly node: string;
  readonly deleted: boolean;
}

/** A live version written by `n1`. */
export const live = (value: string, ts = 1): Version => ({ value, ts, node: 'n1', deleted: false });

/** How a key differs between two replicas. */
export type Change = 'value' | 'tombstone' | 'onlyLocal' | 'onlyRemote';

/**
 * Two replicas over `keys`: the first `d` differ as `changes[i]` says (another value, a tombstone,
 * or the key on one side only), the rest are the same; `differing` is those `d` keys, sorted.
 */
export function diverged(keys: string[], d: number, changes: Change[], shape: TreeShape): { local: Replica; remote: Replica; differing: string[] } {
  const local = new Replica(shape);
  const remote = new Replica(shape);
  keys.forEach((key, i) => {
    const base = live(`v-${key}`);
    const change: Change | undefined = i < d ? changes[i] : undefined;
    if (change !== 'onlyRemote') local.put(key, base);
    if (change === 'onlyLocal') return;
    if (change === 'value') remote.put(key, live(`other-${key}`, 2));
    else if (change === 'tombstone') remote.put(key, { value: '', ts: 2, node: 'n2', deleted: true });
    else remote.put(key, base);
  });
  return { local, remote, differing: keys.slice(0, d).sort() };
}

/** The MerkleError code `f` throws, 'not a MerkleError' for another throw, undefined when it returns. */
export function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof MerkleError ? e.code : 'not a MerkleError';
  }
  return undefined;
}

export function digestOfVersion(key: string, v: Version): Uint8Array {
  return versionDigest(key, v.value, v.ts, v.node, v.deleted);
}

/** LWW order: ts, then node, then deleted (tombstone wins), then value. */
export function newer(a: Version, b: Version): boolean {
  if (a.ts !== b.ts) return a.ts > b.ts;
  if (a.node !== b.node) return a.node > b.node;
  if (a.deleted !== b.deleted) return a.deleted;
  return a.value > b.value;
}

export class Replica {
  readonly records = new Map<string, Version>();
  readonly tree: MerkleTree;

  constructor(shape?: TreeShape) {
    this.tree = new MerkleTree(shape);
  }

  /** Sets `key` to `v` unconditionally. */
  put(key: string, v: Version): void {
    const old = this.records.get(key);
    this.tree.update(key, old ? digestOfVersion(key, old) : null, digestOfVersion(key, v));
    this.records.set(key, v);
  }

  /** LWW merge; true if applied. */
  merge(key: string, v: Version): boolean {
    const old = this.records.get(key);
    if (old && !newer(v, old)) return false;
    this.put(key, v);
    return true;
  }

  /** Drops `key` entirely (tombstone collection). */
  remove(key: string): void {
    const old = this.records.get(key);
    if (!old) return;
    this.tree.update(key, digestOfVersion(key, old), null);
    this.records.delete(key);
  }

  digestOf = (key: string): Uint8Array | undefined => {
    const v = this.records.get(key);
    return v ? digestOfVersion(key, v) : undefined;
  };

  port(): RemoteTree {
    return localTree(this.tree, this.digestOf);
  }
}

/** Wraps a port, counting the calls made to it. */
export function counting(inner: RemoteTree): RemoteTree & { calls: { root: number; children: number; leaf: number } } {
  const calls = { root: 0, children: 0, leaf: 0 };
  return {
    calls,
    root: () => (calls.root++, inner.root()),
    children: (p) => (calls.children++, inner.children(p)),
    leaf: (p) => (calls.leaf++, inner.leaf(p)),
  };
}

export const keyName = (i: number): string => `key:${String(i).padStart(7, '0')}`;
