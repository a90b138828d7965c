/**
 * The write-behind queue the persistent engines share. `put`/`remove`/`clear` only record the
 * latest intent per key (so a hot key written 1,000 times in a window costs one write); at most
 * `windowMs` later — or at once on `flush()` — the pending changes are handed to the engine's
 * `apply` as one batch. One batch is with the engine at a time: what arrives meanwhile waits and
 * goes as the next batch when it is done (a group commit), so batches are applied in order.
 *
 * A failed batch is never dropped: its changes go back under whatever was written since (a newer
 * intent for a key wins), and the whole is retried with exponential backoff until the engine
 * takes it. While it fails, `flush()` rejects with `UNAVAILABLE` (so a `sync = "always"` write is
 * answered with an error, never OK), the engine's listener hears of the failure and of the
 * recovery, and the queue is bounded: once `maxQueued` changes wait, {@link WriteBehind.admit}
 * refuses further writes rather than letting memory grow or dropping any.
 */
import { StorageError, StorageErrorCode } from '../errors.js';
import type { VersionedRecord } from '../record.js';
import type { WriteStatus, WriteStatusListener } from '../write-status.js';

/** One batch of changes: `clear` (forget every key first), then `ops` (null = remove the key). */
export interface WriteBatch {
  readonly clear: boolean;
  readonly ops: ReadonlyMap<string, VersionedRecord | null>;
}

/** Options of {@link WriteBehind}. */
export interface WriteBehindOptions {
  /** The longest a change waits before it is handed to `apply` (0 = the next event-loop turn). */
  readonly windowMs: number;
  /** Writes one batch; resolves when it is durable as far as the engine promises. */
  readonly apply: (batch: WriteBatch) => Promise<void>;
  /** The engine's name, for error messages. */
  readonly engine: string;
  /** Changes (distinct keys) that may wait; past it, {@link WriteBehind.admit} refuses writes. @default 1,000,000 */
  readonly maxQueued?: number;
  /** The first retry delay after a failed batch; it doubles per failure up to `retryMaxMs`. @default 100 */
  readonly retryInitialMs?: number;
  /** @default 5000 */
  readonly retryMaxMs?: number;
  /** Hears every failed batch and the recovery (for the log). */
  readonly onStatus?: WriteStatusListener;
}

/** The default bound of the queue, in distinct keys. */
export const DEFAULT_WRITE_QUEUE_LIMIT = 1_000_000;

interface Waiter {
  readonly upTo: number;
  readonly resolve: () => void;
  readonly reject: (err: StorageError) => void;
}

/** A coalescing write-behind queue with a bounded delay, retries and a bounded backlog. */
export class WriteBehind {
  private ops = new Map<string, VersionedRecord | null>();
  private clearPending = false;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** The batch with the engine now, if any. */
  private inflight: WriteBatch | undefined;
  /** Changes recorded so far / changes known durable (a watermark over that count). */
  private seq = 0;
  private doneSeq = 0;
  private waiters: Waiter[] = [];
  private failing: StorageError | undefined;
  private failingSince = 0;
  private attempts = 0;
  private failures = 0;
  private batches = 0;
  private closed = false;
  private readonly maxQueued: number;

  constructor(private readonly opts: WriteBehindOptions) {
    this.maxQueued = opts.maxQueued ?? DEFAULT_WRITE_QUEUE_LIMIT;
    if (!(this.maxQueued >= 1)) throw new StorageError(StorageErrorCode.INVALID_ARGUMENT, `maxQueued must be >= 1, got ${this.maxQueued}`);
  }

  /** Changes waiting to be handed to the engine. */
  get pending(): number {
    return this.ops.size + (this.clearPending ? 1 : 0);
  }

  /** Batches handed to the engine so far (retries included). */
  get batchCount(): number {
    return this.batches;
  }

  /** How writing goes: failing or not, failures so far, changes not yet durable. */
  status(): WriteStatus {
    return {
      failing: this.failing !== undefined,
      failures: this.failures,
      queued: this.queued(),
      queueLimit: this.maxQueued,
      lastError: this.failing?.message,
    };
  }

  /**
   * Throws when a write must be refused now: the backlog reached its bound (the engine is failing
   * or too slow). Call before changing anything.
   * @throws StorageError UNAVAILABLE
   */
  admit(): void {
    if (this.queued() < this.maxQueued) return;
    const why = this.failing === undefined ? `${this.opts.engine} engine is behind` : this.failing.message.replace(/^Storage unavailable \(|\)$/g, '');
    throw unavailable(`${why}; ${this.queued()} changes are waiting, the limit is ${this.maxQueued}`);
  }

  put(key: string, record: VersionedRecord): void {
    this.ops.set(key, record);
    this.changed();
  }

  remove(key: string): void {
    this.ops.set(key, null);
    this.changed();
  }

  clear(): void {
    this.ops = new Map();
    this.clearPending = true;
    this.changed();
  }

  /**
   * Hands every pending change over now and resolves when everything recorded so far is applied.
   * @throws StorageError UNAVAILABLE while the engine fails (the changes stay queued and are retried)
   */
  flush(): Promise<void> {
    if (this.doneSeq === this.seq) return Promise.resolve();
    if (this.failing !== undefined && this.inflight === undefined) return Promise.reject(this.failing);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ upTo: this.seq, resolve, reject }));
    this.handOver();
    return done;
  }

  /**
   * Makes a last attempt to write everything (at once, even while retries back off) and stops
   * the timers. @throws StorageError UNAVAILABLE naming how many changes could not be written
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.cancelRetry();
    const lastChance = this.failing;
    this.failing = undefined;
    try {
      if (lastChance !== undefined && this.inflight === undefined) {
        const done = new Promise<void>((resolve, reject) => this.waiters.push({ upTo: this.seq, resolve, reject }));
        this.handOver();
        await done;
      } else {
        await this.flush();
      }
    } catch (err) {
      throw unavailable(`${this.queued()} changes could not be written to the ${this.opts.engine} engine: ${causeText(err)}`, err);
    } finally {
      this.closed = true;
      this.cancelTimer();
      this.cancelRetry();
    }
  }

  private queued(): number {
    return this.ops.size + (this.inflight?.ops.size ?? 0);
  }

  private changed(): void {
    this.seq++;
    // While a batch is with the engine or a retry is due, what arrives goes with the next one.
    if (this.timer !== undefined || this.inflight !== undefined || this.retryTimer !== undefined || this.closed) return;
    if (this.opts.windowMs <= 0) {
      this.timer = setImmediate(() => this.handOver());
    } else {
      this.timer = setTimeout(() => this.handOver(), this.opts.windowMs);
      this.timer.unref();
    }
  }

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer as NodeJS.Timeout);
    clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = undefined;
  }

  private cancelRetry(): void {
    if (this.retryTimer === undefined) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private handOver(): void {
    this.cancelTimer();
    if (this.inflight !== undefined) return;
    if (this.ops.size === 0 && !this.clearPending) {
      this.settle(this.seq);
      return;
    }
    const batch: WriteBatch = { clear: this.clearPending, ops: this.ops };
    const upTo = this.seq;
    this.ops = new Map();
    this.clearPending = false;
    this.inflight = batch;
    this.batches++;
    let p: Promise<void>;
    try {
      p = this.opts.apply(batch);
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      () => this.succeeded(upTo),
      (err: unknown) => this.failed(batch, err),
    );
  }

  private succeeded(upTo: number): void {
    this.inflight = undefined;
    this.doneSeq = upTo;
    if (this.failing !== undefined || this.attempts > 0) {
      const failures = this.attempts;
      this.failing = undefined;
      this.attempts = 0;
      this.opts.onStatus?.({ kind: 'recovered', engine: this.opts.engine, downMs: Date.now() - this.failingSince, failures });
    }
    this.settle(upTo);
    if (this.pending === 0) return;
    if (this.waiters.length > 0) this.handOver();
    else if (this.timer === undefined) this.timer = setImmediate(() => this.handOver());
  }

  private failed(batch: WriteBatch, err: unknown): void {
    this.inflight = undefined;
    // Nothing is dropped: the batch goes back under what was written since (newer intents win).
    if (this.clearPending) {
      // A newer clear supersedes the failed batch entirely.
    } else {
      const merged = new Map(batch.ops);
      for (const [key, op] of this.ops) merged.set(key, op);
      this.ops = merged;
      this.clearPending = batch.clear;
    }
    this.failures++;
    this.attempts++;
    if (this.attempts === 1) this.failingSince = Date.now();
    const error = unavailable(`${this.opts.engine}: ${causeText(err)}`, err);
    this.failing = error;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(error);
    if (this.closed) return;
    const initial = this.opts.retryInitialMs ?? 100;
    const retryInMs = Math.min(this.opts.retryMaxMs ?? 5000, initial * 2 ** Math.min(this.attempts - 1, 20));
    this.cancelRetry();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.handOver();
    }, retryInMs);
    this.retryTimer.unref();
    this.opts.onStatus?.({ kind: 'failed', engine: this.opts.engine, error, attempt: this.attempts, queued: this.queued(), retryInMs });
  }

  private settle(upTo: number): void {
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.upTo <= upTo) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }
}

function causeText(err: unknown): string {
  if (err instanceof StorageError && err.code === StorageErrorCode.UNAVAILABLE && err.cause !== undefined) return causeText(err.cause);
  return err instanceof Error ? err.message : String(err);
}

/** `Storage unavailable (<why>)`: the text a client sees after `ERROR: `. */
function unavailable(why: string, cause?: unknown): StorageError {
  return new StorageError(StorageErrorCode.UNAVAILABLE, `Storage unavailable (${why})`, cause === undefined ? undefined : { cause });
}
