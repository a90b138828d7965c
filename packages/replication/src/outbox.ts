import type { VersionedRecord } from '@merklekv/storage';
import type { ChangeEvent } from './change-event.js';

/**
 * The bounded queue of local changes not yet handed to the broker: the batch
 * being assembled while connected, the backlog while disconnected.
 *
 * It coalesces by key: a newer local write of a key already queued replaces
 * the queued version in place (under LWW only the newest version matters), so
 * a hot key never grows the queue. When `limit` distinct keys are queued, a
 * change of another key is dropped and counted; anti-entropy repairs it later.
 * Memory stays bounded and writes never block.
 */
export class Outbox {
  // Queued changes in arrival order as parallel arrays (no object per change), consumed
  // from `head`; `index` maps a queued key to its sequence number, `base` being the
  // sequence number of keys[0]. A coalesced write replaces its record in place, so the
  // arrays hold no holes.
  //
  // `index` is replaced by a new Map when everything is taken, never `clear()`ed: V8 allocates
  // the fresh table of a cleared (or regrown) Map in the old generation once the Map's table is
  // there, so a long-lived outbox cleared every batch filled the old generation with dead tables,
  // and the keys they pointed at were promoted by every scavenge until the next full GC (with
  // pipelined SETs, ~50 B of RSS per key at 1M keys; docs/BENCHMARKS.md, #14 session 3). A new
  // Map starts in the young generation and dies there with the keys.
  private index = new Map<string, number>();
  private keys: string[] = [];
  private records: VersionedRecord[] = [];
  private head = 0;
  private base = 0;
  private droppedCount = 0;

  constructor(readonly limit: number) {}

  /** Distinct keys waiting to be published. */
  get size(): number {
    return this.index.size;
  }

  /** Changes dropped because the queue was full. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Queues a local change; returns false (and counts a drop) when full. */
  offer(key: string, record: VersionedRecord): boolean {
    const at = this.index.get(key);
    if (at !== undefined) {
      this.records[at - this.base] = record;
      return true;
    }
    if (this.index.size >= this.limit) {
      this.droppedCount++;
      return false;
    }
    this.push(key, record);
    return true;
  }

  /**
   * Puts back a batch whose publish failed. A key queued meanwhile keeps the
   * newer of the two versions (the higher timestamp: a local write is stamped
   * above the version it replaces), so batches failing together may be put back
   * in any order. Overflow counts as dropped.
   */
  requeue(batch: EventBatch): void {
    for (let i = 0; i < batch.keys.length; i++) {
      const key = batch.keys[i] as string;
      const record = batch.records[i] as VersionedRecord;
      const at = this.index.get(key);
      if (at !== undefined) {
        const queued = this.records[at - this.base] as VersionedRecord;
        if (record.ts > queued.ts) this.records[at - this.base] = record;
      } else if (this.index.size < this.limit) this.push(key, record);
      else this.droppedCount++;
    }
  }

  /** Counts changes lost elsewhere (a publish the broker refused). */
  countDropped(n: number): void {
    this.droppedCount += n;
  }

  /** Adds events to republish (a replay); keys already queued or overflow are skipped silently. */
  addIfAbsent(events: Iterable<ChangeEvent>): number {
    let added = 0;
    for (const { key, record } of events) {
      if (this.index.size >= this.limit) break;
      if (this.index.has(key)) continue;
      this.push(key, record);
      added++;
    }
    return added;
  }

  /**
   * Removes and returns the oldest changes: at most `maxEvents`, and stops once
   * about `maxBytes` of keys and values are taken (always at least one, if any).
   */
  take(maxEvents: number, maxBytes: number): EventBatch {
    const { keys, records, head } = this;
    let end = head;
    let bytes = 0;
    while (end < keys.length && end - head < maxEvents && (end === head || bytes < maxBytes)) {
      bytes += (keys[end] as string).length + (records[end] as VersionedRecord).value.length + 32;
      end++;
    }
    if (head === 0 && end === keys.length) {
      // Everything queued goes (the usual case): hand the arrays over instead of copying them.
      this.base += end;
      this.keys = [];
      this.records = [];
      this.index = new Map<string, number>(); // not clear(): see `index`
      return { keys, records };
    }
    const batch = { keys: keys.slice(head, end), records: records.slice(head, end) };
    for (let i = head; i < end; i++) this.index.delete(keys[i] as string);
    this.head = end;
    if (this.head === keys.length || (this.head > 1024 && this.head * 2 > keys.length)) {
      this.base += this.head;
      this.keys = keys.slice(this.head);
      this.records = records.slice(this.head);
      this.head = 0;
    }
    return batch;
  }

  private push(key: string, record: VersionedRecord): void {
    this.index.set(key, this.base + this.keys.length);
    this.keys.push(key);
    this.records.push(record);
  }
}

/**
 * Changes published (or to publish) together, as parallel arrays: `keys[i]` changed to
 * `records[i]`. Batches are never modified once taken from the {@link Outbox}.
 */
export interface EventBatch {
  readonly keys: readonly string[];
  readonly records: readonly VersionedRecord[];
}

/** A batch of the given events (a failed batch decoded back from its bytes). */
export function batchOf(events: readonly ChangeEvent[]): EventBatch {
  return { keys: events.map((e) => e.key), records: events.map((e) => e.record) };
}

/** The events of a batch as objects (replays and tests; the hot path uses the arrays). */
export function batchEvents(batch: EventBatch): ChangeEvent[] {
  return batch.keys.map((key, i) => ({ key, record: batch.records[i] as VersionedRecord }));
}
