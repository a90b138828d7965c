import { HybridClock, Store } from '@merklekv/storage';
import type { VersionedRecord } from '@merklekv/storage';
import type { TreePath } from '@merklekv/merkle';
import type { Peer } from '../peer.js';
import { storePeer } from '../store-peer.js';

/** A wall clock far from the test's explicit timestamps, so merges never clamp. */
export const BASE_TS = 1_700_000_000_000 * 1024;

/** A store with a clock pinned near BASE_TS. */
export function makeStore(nodeId: string): Store {
  return new Store({ nodeId, clock: new HybridClock({ now: () => BASE_TS / 1024 + 60_000 }) });
}

/** A version literal. */
export function version(value: string, ts: number, node: string, deleted = false): VersionedRecord {
  return { value: deleted ? '' : value, ts, node, deleted };
}

/** The name of the i-th key. */
export function keyName(i: number): string {
  return `key:${i.toString().padStart(5, '0')}`;
}

/** Gives both stores the same `n` keys (identical versions). */
export function seedIdentical(a: Store, b: Store, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = version(`value-${i}`, BASE_TS + i, i % 2 === 0 ? 'a' : 'b');
    a.merge(keyName(i), v);
    b.merge(keyName(i), v);
  }
}

/** What a {@link CountingPeer} saw. */
export interface PeerCalls {
  tree: number;
  getVersions: number;
  putVersions: number;
  paths: TreePath[];
}

/** An in-process peer over `store` that counts the calls made to it, with hooks run before a call is answered. */
export interface CountingPeer extends Peer {
  readonly calls: PeerCalls;
  beforeGetVersions?: (keys: string[]) => void;
  beforePutVersions?: (versions: Array<[string, VersionedRecord]>) => void;
}

export function countingPeer(store: Store): CountingPeer {
  const inner = storePeer(store);
  const calls: PeerCalls = { tree: 0, getVersions: 0, putVersions: 0, paths: [] };
  const peer: CountingPeer = {
    calls,
    root() {
      calls.tree += 1;
      return inner.root();
    },
    children(path) {
      calls.tree += 1;
      calls.paths.push(path);
      return inner.children(path);
    },
    leaf(path) {
      calls.tree += 1;
      calls.paths.push(path);
      return inner.leaf(path);
    },
    getVersions(keys) {
      calls.getVersions += 1;
      peer.beforeGetVersions?.(keys);
      return inner.getVersions(keys);
    },
    putVersions(versions) {
      calls.putVersions += 1;
      peer.beforePutVersions?.(versions);
      return inner.putVersions(versions);
    },
    close: () => inner.close(),
    bytes: () => inner.bytes(),
  };
  return peer;
}

/** Keys changed by merges from elsewhere (origin 'remote'), recorded from now on. */
export function repairedKeys(store: Store): Set<string> {
  const keys = new Set<string>();
  store.subscribe((e) => {
    if (e.origin === 'remote') keys.add(e.key);
  });
  return keys;
}

/** Every record of a store, tombstones included, sorted by key. */
export function dump(store: Store, keys: Iterable<string>): Array<[string, VersionedRecord | undefined]> {
  return [...new Set(keys)].sort().map((k) => [k, store.getVersion(k)]);
}

/** The `code` of what `fn` throws, or 'nothing thrown'. */
export function thrownCode(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return (error as { code?: unknown }).code;
  }
  return 'nothing thrown';
}

export type Kind = 'onlyA' | 'onlyB' | 'newerA' | 'newerB' | 'deleteA' | 'deleteB';
export const KINDS: readonly Kind[] = ['onlyA', 'onlyB', 'newerA', 'newerB', 'deleteA', 'deleteB'];

/**
 * Makes `a` and `b` differ in exactly the given keys; returns the keys where
 * a's version must win (to be pushed) and where b's must win (to be pulled).
 */
export function diverge(a: Store, b: Store, n: number, changes: ReadonlyArray<[number, Kind]>) {
  const push = new Set<string>();
  const pull = new Set<string>();
  const later = BASE_TS + 1_000_000;
  for (const [i, kind] of changes) {
    const existing = i < n;
    const key = existing ? keyName(i) : `new:${i}`;
    const fresh = (node: string, deleted = false) => version(`${kind}-${i}`, later + i, node, deleted);
    switch (kind) {
      case 'onlyA':
        if (existing) b.merge(key, fresh('b', true)); // a's older value vs b's tombstone: b wins
        a.merge(key, fresh('a'));
        if (existing) a.merge(key, version('newest', later + i + 5, 'a'));
        push.add(key);
        break;
      case 'onlyB':
        b.merge(key, fresh('b'));
        pull.add(key);
        break;
      case 'newerA':
        a.merge(key, fresh('a'));
        push.add(key);
        break;
      case 'newerB':
        b.merge(key, fresh('b'));
        pull.add(key);
        break;
      case 'deleteA':
        a.merge(key, fresh('a', true));
        push.add(key);
        break;
      case 'deleteB':
        b.merge(key, fresh('b', true));
        pull.add(key);
        break;
    }
  }
  return { push, pull };
}

