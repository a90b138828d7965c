import type { VersionedRecord } from '@merklekv/storage';
import type { ChangeEvent } from './change-event.js';
import { decodeOwnEvents } from './event-codec.js';

/**
 * The last `limit` changes this node published (acknowledged by the broker). A
 * broker may acknowledge a message and crash before delivering it, and a peer
 * that reconnects misses what was published while it was away, so these are
 * republished when this node reconnects and when a peer announces a rejoin.
 * Merging is idempotent, so duplicates cost bandwidth, never correctness.
 *
 * What is kept is the acknowledged messages' bytes (one Buffer per batch, outside
 * the JS heap), not their version objects: holding 10,000 versions alive made
 * every one of them survive into the old generation, and collecting them there
 * cost more than the rest of the replication of a write. Remembering costs O(1)
 * per batch (oldest dropped once more than `limit` changes are held); the
 * bytes are decoded, and the newest version of each key picked, only when they
 * are replayed, which is rare. A key changed several times within the window is
 * held (and replayed) once.
 */
export class RecentEvents {
  private payloads: Array<Buffer | undefined> = [];
  private counts: number[] = [];
  /** Index of the oldest batch held. */
  private first = 0;
  /** Leading changes of the oldest batch no longer held. */
  private skip = 0;
  /** Changes held. */
  private held = 0;

  constructor(readonly limit: number) {}

  /** Distinct keys held. */
  get size(): number {
    const keys = new Set<string>();
    this.forEachHeld((key) => keys.add(key));
    return keys.size;
  }

  /** Records an acknowledged batch: its payload as encoded by this node (unsigned) and its number of events. */
  remember(payload: Buffer, count: number): void {
    if (this.limit === 0 || count === 0) return;
    this.payloads.push(payload);
    this.counts.push(count);
    this.held += count;
    while (this.held > this.limit) {
      const available = (this.counts[this.first] as number) - this.skip;
      const excess = this.held - this.limit;
      if (excess < available) {
        this.skip += excess;
        this.held -= excess;
      } else {
        this.payloads[this.first++] = undefined;
        this.skip = 0;
        this.held -= available;
      }
    }
    if (this.first > 64 && this.first * 2 > this.payloads.length) {
      this.payloads = this.payloads.slice(this.first);
      this.counts = this.counts.slice(this.first);
      this.first = 0;
    }
  }

  /** The newest version of each key held (the highest timestamp; on a tie the later one), oldest first. */
  *events(): IterableIterator<ChangeEvent> {
    const newest = new Map<string, VersionedRecord>();
    this.forEachHeld((key, record) => {
      const known = newest.get(key);
      if (known === undefined || known.ts <= record.ts) newest.set(key, record);
    });
    for (const [key, record] of newest) yield { key, record };
  }

  private forEachHeld(fn: (key: string, record: VersionedRecord) => void): void {
    let skip = this.skip;
    for (let b = this.first; b < this.payloads.length; b++) {
      const events = decodeOwnEvents(this.payloads[b] as Buffer);
      for (let i = skip; i < events.length; i++) {
        const e = events[i] as ChangeEvent;
        fn(e.key, e.record);
      }
      skip = 0;
    }
  }
}
