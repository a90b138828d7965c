/**
 * A hybrid logical clock (Kulkarni et al. 2014) packed into one safe integer:
 * `ts = physicalMs × 1024 + counter`. A counter overflow simply carries into the ms part,
 * so the packed value only has to be strictly increasing, never decoded exactly.
 * 2^53 / 1024 ms is about the year 2245, so the packed value stays a safe integer.
 *
 * `now()` never goes backwards, even when the wall clock does. `observe()` moves the clock past
 * a remote ts, but never more than `maxOffsetMs` ahead of the wall clock: a node with a runaway
 * clock cannot drag every other node into the future (DESIGN.md §5). Its versions still merge
 * as they are; the caller logs and counts the skew that `observe()` reports.
 */

/** Logical counter values per millisecond. */
export const HLC_LOGICAL_PER_MS = 1024;

/** Options of {@link HybridClock}. */
export interface HybridClockOptions {
  /** The wall clock in ms. @default Date.now */
  readonly now?: () => number;
  /** How far ahead of the wall clock a remote ts may drag this clock, in ms. @default 500 */
  readonly maxOffsetMs?: number;
}

/** What {@link HybridClock.observe} saw. */
export interface ClockObservation {
  /** The remote ts's physical ms minus the local wall clock (negative when the remote is behind). */
  readonly skewMs: number;
  /** True if the remote ts was more than `maxOffsetMs` ahead and the clock did not follow it all the way. */
  readonly clamped: boolean;
}

/** Packs a physical time in ms (and an optional counter) into a ts. */
export function packTs(ms: number, counter = 0): number {
  return Math.floor(ms) * HLC_LOGICAL_PER_MS + counter;
}

/** The physical ms part of a packed ts. */
export function tsMillis(ts: number): number {
  return Math.floor(ts / HLC_LOGICAL_PER_MS);
}

/** A monotonic hybrid logical clock. */
export class HybridClock {
  readonly maxOffsetMs: number;
  private readonly wall: () => number;
  private lastTs = 0;

  constructor(opts: HybridClockOptions = {}) {
    this.wall = opts.now ?? Date.now;
    this.maxOffsetMs = opts.maxOffsetMs ?? 500;
    if (!(this.maxOffsetMs >= 0)) throw new RangeError(`maxOffsetMs must be >= 0, got ${this.maxOffsetMs}`);
  }

  /** A ts for a local event: greater than every ts this clock returned or observed before. */
  now(): number {
    const physical = packTs(this.wall());
    this.lastTs = physical > this.lastTs ? physical : this.lastTs + 1;
    return this.lastTs;
  }

  /** Advances the clock past `remoteTs` (bounded by `maxOffsetMs` ahead of the wall clock). */
  observe(remoteTs: number): ClockObservation {
    const wallMs = Math.floor(this.wall());
    const limit = packTs(wallMs + this.maxOffsetMs, HLC_LOGICAL_PER_MS - 1);
    const clamped = remoteTs > limit;
    const target = clamped ? limit : remoteTs;
    if (target > this.lastTs) this.lastTs = target;
    return { skewMs: tsMillis(remoteTs) - wallMs, clamped };
  }

  /**
   * The clock's physical part now, in ms: the wall clock, or the physical part of the last ts if
   * that is ahead (the wall clock went back, or a remote ts pulled the clock forward, by at most
   * `maxOffsetMs`). Never decreases, so a key that has expired stays expired. Expiry is judged
   * against this (DESIGN.md §2).
   */
  physicalMs(): number {
    const wall = Math.floor(this.wall());
    const last = tsMillis(this.lastTs);
    return wall > last ? wall : last;
  }

  /** The last ts returned by `now()` or taken from `observe()` (0 before any). */
  last(): number {
    return this.lastTs;
  }
}
