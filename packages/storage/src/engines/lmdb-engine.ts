/**
 * The lmdb engine: the replica in one memory-mapped LMDB file (lmdb-js), crash-safe by LMDB's
 * copy-on-write B-tree (a killed process leaves the last committed transaction intact).
 *
 * Writes go through the shared {@link WriteBehind} queue and are committed by lmdb-js's write
 * thread; `sync` decides when a commit is on disk (see {@link SyncMode}).
 */
import { closeSync, mkdirSync, openSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { open } from 'lmdb';
import type { RootDatabase } from 'lmdb';
import type { LoadSink, StorageEngine } from '../engine.js';
import { StorageError, StorageErrorCode } from '../errors.js';
import { makeRecord } from '../record.js';
import type { VersionedRecord } from '../record.js';
import { RecordDecoder, corruptRecord, encodeRecord } from './record-codec.js';
import { WriteBehind } from './write-behind.js';
import type { WriteStatus, WriteStatusListener } from '../write-status.js';
import type { WriteBatch } from './write-behind.js';

/**
 * When a write is durable (`[storage] sync`):
 * - `always`: every commit is fsynced, and the node answers a write only after `store.durable()`
 *   resolved — an acknowledged write survives a process crash and a power loss.
 * - `batch`: every commit is fsynced; a write is handed to LMDB at most `batchWindowMs` (10 ms)
 *   after it was acknowledged, so a crash loses at most the writes of that window plus one commit.
 * - `none`: commits are not fsynced (LMDB `noSync`); a process crash loses the same as `batch`,
 *   but a machine crash loses whatever the OS had not written back yet.
 */
export type SyncMode = 'always' | 'batch' | 'none';

/** Options of {@link LmdbEngine}. */
export interface LmdbEngineOptions {
  /** The database file (its lock file sits beside it, `<path>-lock`); folders are created. */
  readonly path: string;
  /** @default 'batch' */
  readonly sync?: SyncMode;
  /** The longest a write waits before it is handed to LMDB. @default 10 */
  readonly batchWindowMs?: number;
  /** Changes that may wait while LMDB fails; past it writes are refused. @default 1,000,000 */
  readonly writeQueueLimit?: number;
  /** Hears every failed batch and the recovery. */
  readonly onWriteStatus?: WriteStatusListener;
}

/** The file name of the lmdb engine inside a data_dir (and inside each backup folder). */
export const LMDB_FILE_NAME = 'merklekv.mdb';

/**
 * What the database stores (a record, encoded by {@link lmdbRecordEncoder}) and reads back: the
 * decoder holding the fields read (itself shaped like a record), or why the bytes are not a record.
 */
type RecordValue = VersionedRecord | string;

/** A {@link StorageEngine} over one LMDB file. */
export class LmdbEngine implements StorageEngine {
  readonly name = 'lmdb';
  readonly path: string;
  readonly sync: SyncMode;
  private db: RootDatabase<RecordValue, string> | undefined;
  private readonly queue: WriteBehind;

  constructor(opts: LmdbEngineOptions) {
    this.path = opts.path;
    this.sync = opts.sync ?? 'batch';
    this.queue = new WriteBehind({
      windowMs: opts.batchWindowMs ?? 10,
      apply: (b) => this.apply(b),
      engine: 'lmdb',
      ...(opts.writeQueueLimit !== undefined ? { maxQueued: opts.writeQueueLimit } : {}),
      ...(opts.onWriteStatus !== undefined ? { onStatus: opts.onWriteStatus } : {}),
    });
  }

  /** @throws StorageError ENGINE_FAILED if the file cannot be opened (locked, unreadable, not LMDB). */
  async open(): Promise<void> {
    assertLmdbFile(this.path);
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      this.db = open<RecordValue, string>({
        path: this.path,
        noSubdir: true,
        encoder: lmdbRecordEncoder(),
        noSync: this.sync === 'none',
        // Whole batches are handed over at once; strict order keeps a clear() before later puts.
        strictAsyncOrder: true,
      });
    } catch (err) {
      throw new StorageError(StorageErrorCode.ENGINE_FAILED, `cannot open lmdb file ${this.path}: ${(err as Error).message}`, { cause: err });
    }
  }

  async *load(): AsyncIterable<readonly [string, VersionedRecord]> {
    for (const { key, value } of this.database().getRange({ snapshot: true })) {
      const d = checked(key, value);
      yield [key, makeRecord(d.value, d.ts, d.node, d.deleted, d.expireAt)] as const;
    }
  }

  /** {@link load} in one synchronous pass over the range (lmdb-js reads synchronously), with no object per record. */
  async loadEach(sink: LoadSink): Promise<void> {
    for (const { key, value } of this.database().getRange({ snapshot: true })) {
      const d = checked(key, value);
      sink(key, d.value, d.ts, d.node, d.deleted, d.expireAt ?? 0);
    }
  }

  put(key: string, record: VersionedRecord): void {
    this.queue.put(key, record);
  }

  remove(key: string): void {
    this.queue.remove(key);
  }

  clear(): void {
    this.queue.clear();
  }

  /** Resolves when every change so far is committed and (unless sync = none) fsynced. */
  async flush(): Promise<void> {
    await this.queue.flush();
    if (this.db !== undefined && this.sync !== 'none') await this.db.flushed;
  }

  async close(): Promise<void> {
    if (this.db === undefined) return;
    const db = this.db;
    try {
      await this.queue.close();
    } finally {
      this.db = undefined;
      await db.close();
    }
  }

  writeStatus(): WriteStatus {
    return this.queue.status();
  }

  admit(): void {
    this.queue.admit();
  }

  /** Changes waiting in the write-behind window (not yet handed to LMDB). */
  get pending(): number {
    return this.queue.pending;
  }

  /**
   * Writes a consistent copy of the database (as of now: pending writes are committed first) to
   * `file`, compacted. The copy is itself an lmdb engine file: open it to restore.
   */
  async backup(file: string): Promise<void> {
    await this.flush();
    try {
      await this.database().backup(file, true);
    } catch (err) {
      throw new StorageError(StorageErrorCode.ENGINE_FAILED, `lmdb backup to ${file} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  private apply(batch: WriteBatch): Promise<void> {
    const db = this.database();
    let last: Promise<unknown> = Promise.resolve();
    if (batch.clear) last = db.clearAsync();
    for (const [key, record] of batch.ops) {
      last = record === null ? db.remove(key) : db.put(key, record);
    }
    // LMDB applies its write queue in order: the last instruction settling means all did.
    return last.then(() => undefined);
  }

  private database(): RootDatabase<RecordValue, string> {
    if (this.db === undefined) throw new StorageError(StorageErrorCode.ENGINE_FAILED, `lmdb engine ${this.path} is not open`);
    return this.db;
  }
}

/**
 * The value encoder lmdb-js is opened with: the binary record format of record-codec.ts (the
 * on-disk format is the one the engine always wrote). With its own decoder (and no
 * `needsStableBuffer`), lmdb-js hands `decode` its shared read buffer and the value's length
 * instead of copying each value into a new Buffer first. `decode` returns the one
 * {@link RecordDecoder} holding the fields just read (valid until the next read), or, for a value
 * that is not a record, the reason, which {@link checked} turns into the error naming the key.
 * Nothing but `load`/`loadEach` reads values, so no caller keeps a decoded value past the next one.
 */
function lmdbRecordEncoder(): { encode(r: VersionedRecord): Buffer; decode(b: Uint8Array, end?: unknown): RecordDecoder | string } {
  const decoder = new RecordDecoder();
  return {
    encode: encodeRecord,
    // `end` is the value's length on range reads (a `get` would pass its options object instead).
    // Large values may come as a Uint8Array over LMDB's map: viewed as a Buffer, not copied.
    decode: (b, end) => decoder.decode(Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength), typeof end === 'number' ? end : b.length) ?? decoder,
  };
}

/** @throws StorageError CORRUPT_RECORD if `value` is the reason a stored value is not a record */
function checked(key: string, value: RecordValue): VersionedRecord {
  if (typeof value === 'string') throw corruptRecord(key, value);
  return value;
}

/** Where lmdb-js's LMDB writes its meta page magic (0xBEEFC0DE) in the first page. */
const MAGIC_OFFSET = 24;
const LMDB_MAGIC = 0xbeefc0de;

/**
 * Refuses an existing file that is not an LMDB database: the native library does not check
 * before mapping it and can crash the process on a foreign file.
 * @throws StorageError ENGINE_FAILED
 */
function assertLmdbFile(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new StorageError(StorageErrorCode.ENGINE_FAILED, `cannot read lmdb file ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const head = Buffer.alloc(MAGIC_OFFSET + 4);
    const read = readSync(fd, head, 0, head.length, 0);
    if (read === 0) return; // an empty file: LMDB initialises it
    if (read < head.length || head.readUInt32LE(MAGIC_OFFSET) !== LMDB_MAGIC) {
      throw new StorageError(StorageErrorCode.ENGINE_FAILED, `${path} is not an lmdb database file`);
    }
  } finally {
    closeSync(fd);
  }
}
