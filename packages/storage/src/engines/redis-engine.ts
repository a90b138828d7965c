/**
 * The redis engine: the node's replica kept in an external Redis, as ONE hash
 * `<prefix>records` whose fields are the keys and whose values are the records in their text
 * form (`V<ts>,<len>:<node><value>`, see record-codec.ts). One hash keeps a node's data in one
 * place (a FLUSH-all is one DEL, a backup one key) and loads with HSCAN.
 *
 * Writes go through the shared {@link WriteBehind} queue and are sent as one pipeline per batch
 * (HSET with many fields, HDEL with many fields) on one connection, so they apply in order.
 * Durability is Redis's own: `flush()` resolves when Redis has executed the batch; whether that
 * is on disk is Redis's `appendonly`/`appendfsync` setting.
 */
import { bytesToString, holdsEscapedBytes, stringToBytes } from '@merklekv/merkle';
import { Redis } from 'ioredis';
import type { StorageEngine } from '../engine.js';
import { StorageError, StorageErrorCode } from '../errors.js';
import type { VersionedRecord } from '../record.js';
import { decodeRecordText, encodeRecordText } from './record-codec.js';
import { WriteBehind } from './write-behind.js';
import type { WriteStatus, WriteStatusListener } from '../write-status.js';
import type { WriteBatch } from './write-behind.js';

/** Options of {@link RedisEngine}: a URL (the engine owns the connection) or a client (the caller does). */
export type RedisEngineOptions = {
  /** Prefix of this node's Redis keys, e.g. `merklekv:node1:`. */
  readonly prefix: string;
  /** The longest a write waits before it is sent. @default 10 */
  readonly batchWindowMs?: number;
  /** HSCAN COUNT hint while loading. @default 1000 */
  readonly scanCount?: number;
  /** Changes that may wait while Redis is unreachable; past it writes are refused. @default 1,000,000 */
  readonly writeQueueLimit?: number;
  /** Hears every failed batch and the recovery. */
  readonly onWriteStatus?: WriteStatusListener;
  /** First delay between retries of a failed batch (doubling up to 5 s). @default 100 */
  readonly retryInitialMs?: number;
} & ({ readonly url: string } | { readonly client: Redis });

/** Fields per HSET/HDEL command: bounds one command's size in a huge batch. */
const FIELDS_PER_COMMAND = 1000;

/** A {@link StorageEngine} over one Redis hash. */
export class RedisEngine implements StorageEngine {
  readonly name = 'redis';
  /** The Redis key of the hash holding every record. */
  readonly hashKey: string;
  private readonly client: Redis;
  private readonly ownsClient: boolean;
  private readonly scanCount: number;
  private readonly queue: WriteBehind;
  private closed = false;
  private connectionError: Error | undefined;

  constructor(opts: RedisEngineOptions) {
    this.hashKey = `${opts.prefix}records`;
    this.scanCount = opts.scanCount ?? 1000;
    if ('client' in opts) {
      this.client = opts.client;
      this.ownsClient = false;
    } else {
      this.client = new Redis(opts.url, { lazyConnect: true, maxRetriesPerRequest: 3 });
      this.ownsClient = true;
    }
    // ioredis reconnects by itself; its connection errors explain a failed batch (see apply) and
    // must not reach the console as "Unhandled error event".
    this.client.on('error', (err: Error) => (this.connectionError = err));
    this.client.on('ready', () => (this.connectionError = undefined));
    this.queue = new WriteBehind({
      windowMs: opts.batchWindowMs ?? 10,
      apply: (b) => this.apply(b),
      engine: 'redis',
      ...(opts.writeQueueLimit !== undefined ? { maxQueued: opts.writeQueueLimit } : {}),
      ...(opts.onWriteStatus !== undefined ? { onStatus: opts.onWriteStatus } : {}),
      ...(opts.retryInitialMs !== undefined ? { retryInitialMs: opts.retryInitialMs } : {}),
    });
  }

  /** @throws StorageError ENGINE_FAILED if Redis cannot be reached. */
  async open(): Promise<void> {
    if (!this.ownsClient || this.client.status !== 'wait') return;
    try {
      await this.client.connect();
    } catch (err) {
      this.client.disconnect();
      throw new StorageError(StorageErrorCode.ENGINE_FAILED, `cannot connect to Redis: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Every record, by HSCAN pages (a field may come twice if Redis rehashes meanwhile; the Store merges). */
  async *load(): AsyncIterable<readonly [string, VersionedRecord]> {
    let cursor = '0';
    do {
      // As bytes: a value may hold bytes that are not UTF-8 (escaped in the string, see put).
      const [next, flat] = await this.client.hscanBuffer(this.hashKey, cursor, 'COUNT', this.scanCount);
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const key = bytesToString(flat[i] as Buffer);
        yield [key, decodeRecordText(key, bytesToString(flat[i + 1] as Buffer))] as const;
      }
      cursor = next.toString('latin1');
    } while (cursor !== '0');
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

  /** Resolves when Redis has executed every change so far. */
  flush(): Promise<void> {
    return this.queue.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.queue.close();
    } finally {
      // quit() on a connection that is down would wait for the retries: just drop it.
      if (this.ownsClient) {
        if (this.client.status === 'ready') await this.client.quit().catch(() => this.client.disconnect());
        else this.client.disconnect();
      }
    }
  }

  writeStatus(): WriteStatus {
    return this.queue.status();
  }

  admit(): void {
    this.queue.admit();
  }

  /** Changes waiting in the write-behind window (not yet sent). */
  get pending(): number {
    return this.queue.pending;
  }

  private async apply(batch: WriteBatch): Promise<void> {
    const pipeline = this.client.pipeline();
    if (batch.clear) pipeline.del(this.hashKey);
    let sets: (string | Buffer)[] = [];
    let dels: string[] = [];
    for (const [key, record] of batch.ops) {
      if (record === null) {
        dels.push(key);
        if (dels.length === FIELDS_PER_COMMAND) {
          pipeline.hdel(this.hashKey, ...dels);
          dels = [];
        }
      } else {
        const text = encodeRecordText(record);
        // A value with bytes that are not UTF-8 (escaped as U+DC80..U+DCFF) goes as those raw bytes.
        sets.push(key, holdsEscapedBytes(text) ? stringToBytes(text) : text);
        if (sets.length === 2 * FIELDS_PER_COMMAND) {
          pipeline.hset(this.hashKey, ...sets);
          sets = [];
        }
      }
    }
    if (sets.length > 0) pipeline.hset(this.hashKey, ...sets);
    if (dels.length > 0) pipeline.hdel(this.hashKey, ...dels);
    try {
      const results = (await pipeline.exec()) ?? [];
      for (const [err] of results) if (err) throw err;
    } catch (err) {
      // "Reached the max retries per request limit" says nothing useful: say why instead.
      const why = this.connectionError;
      if (why !== undefined && this.client.status !== 'ready') throw new Error(`cannot reach Redis (${why.message})`, { cause: err });
      throw err;
    }
  }
}
