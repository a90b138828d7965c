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
 * What is kept is the acknowledged messages' bytes, not their version objects: holding
 * 10,000 versions alive made every one of them survive into the old generation, and
 * collecting them there cost more than the rest of the replication of a write. The bytes
 * are copied into one reused buffer, not held as the published Buffers: a Buffer held for
 * the next few dozen batches outlives two scavenges, is promoted, and its memory (outside
 * the JS heap) is only given back at the next full GC; with one batch per ~100 pipelined
 * SETs that left tens of MB of dead batches behind (docs/BENCHMARKS.md, #14 session 3).
 * Remembering costs O(1) amortized per byte (oldest dropped once more than `limit`
 * changes are held); the bytes are decoded, and the newest version of each key picked,
 * only when they are replayed, which is rare. A key changed several times within the
 * window is held (and replayed) once.
 */
export class RecentEvents {
  /** The held batches' bytes, back to back, from `starts[first]` to `end`. */
  private bytes: Buffer = Buffer.alloc(0);
  private end = 0;
  private starts: number[] = [];
  private lengths: number[] = [];
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
    this.append(payload);
    this.counts.push(count);
    this.held += count;
    while (this.held > this.limit) {
      const available = (this.counts[this.first] as number) - this.skip;
      const excess = this.held - this.limit;
      if (excess < available) {
        this.skip += excess;
        this.held -= excess;
      } else {
        this.first++;
        this.skip = 0;
        this.held -= available;
      }
    }
    if (this.first === this.counts.length) this.clearBytes();
    else if (this.first > 64 && this.first * 2 > this.counts.length) {
      this.starts = this.starts.slice(this.first);
      this.lengths = this.lengths.slice(this.first);
      this.counts = this.counts.slice(this.first);
      this.first = 0;
    }
  }

  /** Copies `payload` after the held bytes, moving them to the front or growing the buffer when it is full. */
  private append(payload: Buffer): void {
    if (this.end + payload.length > this.bytes.length) {
      const from = this.first < this.starts.length ? (this.starts[this.first] as number) : this.end;
      const live = this.end - from;
      if (live + payload.length > this.bytes.length / 2) {
        // Grown to twice what is held, so moving the held bytes down costs O(1) per byte remembered.
        const grown = Buffer.allocUnsafe(Math.max(64 * 1024, 2 * (live + payload.length)));
        this.bytes.copy(grown, 0, from, this.end);
        this.bytes = grown;
      } else this.bytes.copyWithin(0, from, this.end);
      for (let b = this.first; b < this.starts.length; b++) this.starts[b] = (this.starts[b] as number) - from;
      this.end = live;
    }
    payload.copy(this.bytes, this.end);
    this.starts.push(this.end);
    this.lengths.push(payload.length);
    this.end += payload.length;
  }

  private clearBytes(): void {
    this.starts = [];
    this.lengths = [];
    this.counts = [];
    this.first = 0;
    this.skip = 0;
    this.end = 0;
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
    for (let b = this.first; b < this.counts.length; b++) {
      const start = this.starts[b] as number;
      const events = decodeOwnEvents(this.bytes.subarray(start, start + (this.lengths[b] as number)));
      for (let i = skip; i < events.length; i++) {
        const e = events[i] as ChangeEvent;
        fn(e.key, e.record);
      }
      skip = 0;
    }
  }
}
