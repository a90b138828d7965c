import type { VersionedRecord } from './record.js';

/**
 * Where a {@link Store} persists its records. The store keeps the authoritative in-memory index
 * (a Map and the Merkle tree); an engine is written behind it (`put`/`remove`/`clear` return at
 * once and are made durable in the background) and read once, by `load()`, at start.
 */
export interface StorageEngine {
  /** A short name for logs and INFO (`memory`, `lmdb`, `redis`). */
  readonly name: string;
  /** Opens the underlying storage; called once before anything else. */
  open(): Promise<void>;
  /** Every persisted record, tombstones included, in any order. */
  load(): AsyncIterable<readonly [string, VersionedRecord]>;
  /** Persists `record` as the version of `key` (replacing any earlier one). */
  put(key: string, record: VersionedRecord): void;
  /** Forgets `key` entirely (tombstone collection). */
  remove(key: string): void;
  /** Forgets every key. */
  clear(): void;
  /** Resolves when everything put, removed or cleared so far is durable. */
  flush(): Promise<void>;
  /** Flushes and releases the storage. */
  close(): Promise<void>;
}
