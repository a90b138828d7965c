import type { VersionedRecord } from './record.js';
import type { WriteStatus } from './write-status.js';

/**
 * Receives one record of a bulk load ({@link StorageEngine.loadEach}), as its fields (`value` is ''
 * for a tombstone; `expireAt` 0 = no expiry): the engine need not build a record object the Store would copy anyway.
 */
export type LoadSink = (key: string, value: string, ts: number, node: string, deleted: boolean, expireAt: number) => void;

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
  /**
   * OPTIONAL bulk form of {@link load}, which the Store uses instead when an engine has it: hands
   * the same records to `sink`, one call each (each key at most once), and resolves when all were handed (it may do so
   * synchronously, in one go). For engines whose storage can be read synchronously (lmdb), it
   * saves the promise, the iterator result and the entry tuple per record that an async iterator
   * costs, and the record object the Store would copy: at a million records, most of the load's
   * time and garbage.
   * @throws StorageError CORRUPT_RECORD (through the promise) like `load()`
   */
  loadEach?(sink: LoadSink): Promise<void>;
  /** Persists `record` as the version of `key` (replacing any earlier one). */
  put(key: string, record: VersionedRecord): void;
  /** Forgets `key` entirely (tombstone collection). */
  remove(key: string): void;
  /** Forgets every key. */
  clear(): void;
  /**
   * Resolves when everything put, removed or cleared so far is durable.
   * @throws StorageError UNAVAILABLE while the engine fails (the changes stay queued and are retried)
   */
  flush(): Promise<void>;
  /**
   * Flushes and releases the storage.
   * @throws StorageError UNAVAILABLE when changes could not be written (the storage is released anyway)
   */
  close(): Promise<void>;
  /** OPTIONAL (engines that write behind): how writing goes. Absent: writes never fail. */
  writeStatus?(): WriteStatus;
  /**
   * OPTIONAL: throws when a write must be refused now (the queue of unwritten changes is at its
   * bound). The Store calls it before it changes anything.
   * @throws StorageError UNAVAILABLE
   */
  admit?(): void;
}
