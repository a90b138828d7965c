/**
 * The bookkeeping of a write → visible measurement, free of I/O: when each key
 * was written on one node, when another node first showed it, which keys are
 * still to be looked for, and the MGET replies that say so.
 */
import { percentile } from './latency.js';

/** p50 / p99 / max of a set of samples (ms), and how many. */
export interface Spread {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** The nearest-rank spread of `samples` (not modified; NaNs when empty). */
export function spreadOf(samples: ArrayLike<number>): Spread {
  const sorted = Float64Array.from(samples).sort();
  return { count: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] as number) };
}

/**
 * Keys 0..total-1, written in order: the time each was written and the time it
 * was first seen elsewhere (NaN until then). Times are one clock's (performance.now()).
 */
export class VisibilityLog {
  private readonly sent: Float64Array;
  private readonly visible: Float64Array;
  private written = 0;
  private seen = 0;
  /** The lowest key not yet seen: every key below it has been. */
  private firstUnseen = 0;

  constructor(readonly total: number) {
    this.sent = new Float64Array(total).fill(Number.NaN);
    this.visible = new Float64Array(total).fill(Number.NaN);
  }

  /** Keys written so far (0..writtenCount-1). */
  get writtenCount(): number {
    return this.written;
  }

  /** Keys seen so far. */
  get seenCount(): number {
    return this.seen;
  }

  /** True when every key was written and seen. */
  get complete(): boolean {
    return this.seen === this.total;
  }

  /**
   * Notes that the next `count` keys were written at `at`; returns the first one's index.
   * @throws RangeError past `total`
   */
  markWritten(count: number, at: number): number {
    const first = this.written;
    if (first + count > this.total) throw new RangeError(`only ${this.total} keys: cannot write ${count} more after ${first}`);
    this.sent.fill(at, first, first + count);
    this.written += count;
    return first;
  }

  /**
   * Up to `max` keys written and not yet seen, lowest first (the ones to look for).
   * @param out reused for the answer
   */
  pending(max: number, out: number[] = []): number[] {
    out.length = 0;
    for (let i = this.firstUnseen; i < this.written && out.length < max; i++) {
      if (Number.isNaN(this.visible[i] as number)) out.push(i);
    }
    return out;
  }

  /**
   * Notes that key `i` was seen at `at`; a key seen before keeps its first time.
   * @throws RangeError for a key not written yet (it cannot be visible before it exists)
   */
  markSeen(i: number, at: number): void {
    if (!(i >= 0 && i < this.written)) throw new RangeError(`key ${i} was not written (${this.written} written)`);
    if (!Number.isNaN(this.visible[i] as number)) return;
    this.visible[i] = at;
    this.seen++;
    while (this.firstUnseen < this.written && !Number.isNaN(this.visible[this.firstUnseen] as number)) this.firstUnseen++;
  }

  /** When key `i` was written (NaN if not yet). */
  writtenAt(i: number): number {
    return this.sent[i] ?? Number.NaN;
  }

  /** When key `i` was first seen (NaN if not yet). */
  seenAt(i: number): number {
    return this.visible[i] ?? Number.NaN;
  }

  /** Write → seen of every key seen (ms). */
  latencies(): Float64Array {
    const out = new Float64Array(this.seen);
    let n = 0;
    for (let i = 0; i < this.written; i++) {
      const v = this.visible[i] as number;
      if (!Number.isNaN(v)) out[n++] = v - (this.sent[i] as number);
    }
    return out;
  }
}

/**
 * Splits write → seen at a midpoint each key passed (e.g. when an observer got it from the
 * broker): the spreads of written → midpoint and midpoint → seen, over the keys that have all
 * three times. `midpoint` maps a key index to its time (NaN or undefined: not observed).
 */
export function splitAt(log: VisibilityLog, midpoint: (i: number) => number | undefined): { before: Spread; after: Spread; observed: number } {
  const before: number[] = [];
  const after: number[] = [];
  for (let i = 0; i < log.writtenCount; i++) {
    const m = midpoint(i);
    const w = log.writtenAt(i);
    const v = log.seenAt(i);
    if (m === undefined || Number.isNaN(m) || Number.isNaN(v)) continue;
    before.push(m - w);
    after.push(v - m);
  }
  return { before: spreadOf(before), after: spreadOf(after), observed: before.length };
}

/** A line of a MerkleKV reply that is an error. */
export class ReplyError extends Error {
  override readonly name = 'ReplyError';
}

const LF = 10;

/**
 * Reads the replies to `MGET k1 .. kn`, sent one at a time: n lines (a value, or
 * `(null)` for a missing key) then `END`. Fed the socket's chunks; each
 * completed reply is handed over as which of the n keys were present.
 */
export class MgetReplyReader {
  private pendingBytes: Buffer = Buffer.alloc(0);
  private expected = -1;
  private present: boolean[] = [];

  /** Starts waiting for the reply to an MGET of `keys` keys. @throws Error while a reply is still awaited */
  expect(keys: number): void {
    if (this.expected >= 0) throw new Error('an MGET reply is still awaited');
    this.expected = keys;
    this.present = [];
  }

  /**
   * Feeds a chunk; returns the presence of each key once the awaited reply is complete.
   * @throws ReplyError on an `ERROR ...` line; Error on bytes while no reply is awaited or a line past the n values that is not END
   */
  feed(chunk: Buffer): boolean[] | undefined {
    let buf = this.pendingBytes.length === 0 ? chunk : Buffer.concat([this.pendingBytes, chunk]);
    let result: boolean[] | undefined;
    let start = 0;
    for (let lf = buf.indexOf(LF, start); lf >= 0; lf = buf.indexOf(LF, start)) {
      const end = lf > start && buf[lf - 1] === 13 ? lf - 1 : lf;
      const line = buf.toString('latin1', start, end);
      start = lf + 1;
      if (this.expected < 0) throw new Error(`a reply line while no MGET was sent: '${line}'`);
      if (line.startsWith('ERROR')) throw new ReplyError(line);
      if (this.present.length < this.expected) {
        this.present.push(line !== '(null)');
      } else if (line === 'END') {
        result = this.present;
        this.expected = -1;
        this.present = [];
      } else {
        throw new Error(`expected END after ${this.expected} MGET values, got '${line}'`);
      }
    }
    buf = buf.subarray(start);
    this.pendingBytes = buf.length === 0 ? Buffer.alloc(0) : Buffer.from(buf);
    return result;
  }
}
