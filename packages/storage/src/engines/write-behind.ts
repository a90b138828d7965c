/**
 * The write-behind queue the persistent engines share. `put`/`remove`/`clear` only record the
 * latest intent per key (so a hot key written 1,000 times in a window costs one write); at most
 * `windowMs` later — or at once on `flush()` — the pending changes are handed to the engine's
 * `apply` as one batch. Batches are handed over in order and the engines apply them in order
 * (one LMDB write queue, one Redis connection), so awaiting every batch handed over so far is
 * awaiting everything written so far.
 */
import { StorageError, StorageErrorCode } from '../errors.js';
import type { VersionedRecord } from '../record.js';
import { systemTimers } from '../timers.js';
import type { Timers } from '../timers.js';

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
  /** The window's timer. @default systemTimers (unref'd) */
  readonly timers?: Timers;
}

/** A coalescing write-behind queue with a bounded delay. */
export class WriteBehind {
  private ops = new Map<string, VersionedRecord | null>();
  private clearPending = false;
  private timer: { readonly handle: unknown } | { readonly immediate: NodeJS.Immediate } | undefined;
  private readonly inflight = new Set<Promise<void>>();
  private failure: StorageError | undefined;
  private batches = 0;

  private readonly timers: Timers;

  constructor(private readonly opts: WriteBehindOptions) {
    this.timers = opts.timers ?? systemTimers;
  }

  /** Changes waiting to be handed to the engine. */
  get pending(): number {
    return this.ops.size + (this.clearPending ? 1 : 0);
  }

  /** Batches handed to the engine so far. */
  get batchCount(): number {
    return this.batches;
  }

  put(key: string, record: VersionedRecord): void {
    this.ops.set(key, record);
    this.schedule();
  }

  remove(key: string): void {
    this.ops.set(key, null);
    this.schedule();
  }

  clear(): void {
    this.ops = new Map();
    this.clearPending = true;
    this.schedule();
  }

  /**
   * Hands every pending change over now and resolves when every batch handed over so far is applied.
   * @throws StorageError ENGINE_FAILED if any batch failed (the failure is sticky: durability is lost)
   */
  async flush(): Promise<void> {
    this.handOver();
    // Only what was handed over by now: batches handed over later (under load) must not delay this caller.
    if (this.inflight.size > 0) await Promise.all([...this.inflight]);
    if (this.failure !== undefined) throw this.failure;
  }

  /** Stops the timer after a final {@link flush}. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.cancelTimer();
    }
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    if (this.opts.windowMs <= 0) {
      this.timer = { immediate: setImmediate(() => this.handOver()) };
    } else {
      this.timer = { handle: this.timers.setTimeout(() => this.handOver(), this.opts.windowMs) };
    }
  }

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    if ('immediate' in this.timer) clearImmediate(this.timer.immediate);
    else this.timers.clearTimeout(this.timer.handle);
    this.timer = undefined;
  }

  private handOver(): void {
    this.cancelTimer();
    if (this.ops.size === 0 && !this.clearPending) return;
    const batch: WriteBatch = { clear: this.clearPending, ops: this.ops };
    this.ops = new Map();
    this.clearPending = false;
    this.batches++;
    let p: Promise<void>;
    try {
      p = this.opts.apply(batch);
    } catch (err) {
      p = Promise.reject(err);
    }
    const tracked = p.then(
      () => undefined,
      (err: unknown) => {
        this.failure ??= new StorageError(
          StorageErrorCode.ENGINE_FAILED,
          `${this.opts.engine} engine failed to write a batch of ${batch.ops.size} changes: ${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        );
      },
    );
    this.inflight.add(tracked);
    void tracked.then(() => this.inflight.delete(tracked));
  }
}
