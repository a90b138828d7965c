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
  private readonly pending = new Map<string, VersionedRecord>();
  // Keys in arrival order, consumed from `head`. A Map drained from its front keeps its
  // deleted slots until a rehash, so taking from it repeatedly would rescan them.
  private order: string[] = [];
  private head = 0;
  private droppedCount = 0;

  constructor(readonly limit: number) {}

  /** Distinct keys waiting to be published. */
  get size(): number {
    return this.pending.size;
  }

  /** Changes dropped because the queue was full. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Queues a local change; returns false (and counts a drop) when full. */
  offer(key: string, record: VersionedRecord): boolean {
    if (this.pending.has(key)) {
      this.pending.set(key, record);
      return true;
    }
    if (this.pending.size >= this.limit) {
      this.droppedCount++;
      return false;
    }
    this.push(key, record);
    return true;
  }

  /**
   * Puts back events whose publish failed. A key queued again meanwhile holds
   * a newer local version and keeps it. Overflow counts as dropped.
   */
  requeue(events: readonly ChangeEvent[]): void {
    for (const { key, record } of events) {
      if (this.pending.has(key)) continue;
      if (this.pending.size < this.limit) this.push(key, record);
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
      if (this.pending.size >= this.limit) break;
      if (this.pending.has(key)) continue;
      this.push(key, record);
      added++;
    }
    return added;
  }

  /**
   * Removes and returns the oldest events: at most `maxEvents`, and stops once
   * about `maxBytes` of keys and values are taken (always at least one event).
   */
  take(maxEvents: number, maxBytes: number): ChangeEvent[] {
    const out: ChangeEvent[] = [];
    let bytes = 0;
    while (this.head < this.order.length && out.length < maxEvents && (out.length === 0 || bytes < maxBytes)) {
      const key = this.order[this.head++] as string;
      const record = this.pending.get(key);
      if (record === undefined) continue;
      this.pending.delete(key);
      out.push({ key, record });
      bytes += key.length + record.value.length + 32;
    }
    if (this.head === this.order.length) {
      this.order = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  private push(key: string, record: VersionedRecord): void {
    this.pending.set(key, record);
    this.order.push(key);
  }
}

/**
 * The last `limit` distinct keys this node published (acknowledged by the
 * broker). A broker may acknowledge a message and crash before delivering it,
 * and a peer that reconnects misses what was published while it was away, so
 * these are republished when this node reconnects and when a peer announces a
 * rejoin. Merging is idempotent, so duplicates cost bandwidth, never
 * correctness.
 */
export class RecentEvents {
  // Two generations instead of one Map with eviction from its front: V8 keeps a Map's
  // deleted slots until a rehash, so evicting the oldest entry on every insert rescans them.
  // Holds between limit/2 and limit distinct keys, the newest ones.
  private current = new Map<string, VersionedRecord>();
  private previous = new Map<string, VersionedRecord>();
  private readonly generationSize: number;

  constructor(readonly limit: number) {
    this.generationSize = Math.max(1, Math.floor(limit / 2));
  }

  /** Distinct keys held. */
  get size(): number {
    let n = this.current.size;
    for (const key of this.previous.keys()) if (!this.current.has(key)) n++;
    return n;
  }

  /** Records acknowledged events (keeping the newest version of each key). */
  remember(events: readonly ChangeEvent[]): void {
    if (this.limit === 0) return;
    for (const { key, record } of events) {
      const known = this.current.get(key) ?? this.previous.get(key);
      if (known !== undefined && known.ts > record.ts) continue;
      if (!this.current.has(key) && this.current.size >= this.generationSize) {
        this.previous = this.current;
        this.current = new Map();
      }
      this.current.set(key, record);
    }
  }

  /** The remembered events, older generation first. */
  *events(): IterableIterator<ChangeEvent> {
    for (const [key, record] of this.previous) if (!this.current.has(key)) yield { key, record };
    for (const [key, record] of this.current) yield { key, record };
  }
}
