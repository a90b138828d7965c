/**
 * Periodic tombstone collection. A tombstone must outlive every replica's
 * chance to learn of the delete, or anti-entropy would copy the old value
 * back from a replica that missed it; so tombstones are dropped only after a
 * grace period (like Cassandra's gc_grace_seconds). A replica offline for
 * longer than the grace can resurrect deletes when it returns.
 */
import type { Store } from '@merklekv/storage';
import { AntiEntropyError } from './errors.js';
import { silentLogger, systemTimers } from '@merklekv/storage';
import type { Logger, Timers } from '@merklekv/storage';

/** HLC units per millisecond: a ts is physical ms × 1024 + a logical counter. */
const TS_PER_MS = 1024;

/** Options of {@link TombstoneCollector}. */
export interface TombstoneCollectorOptions {
  readonly store: Pick<Store, 'collectTombstones'>;
  /** How often to collect. */
  readonly intervalMs: number;
  /** Tombstones younger than this survive. @default 86400 (one day) */
  readonly graceSeconds?: number;
  /** The current HLC timestamp. @default Date.now() × 1024 */
  readonly nowTs?: () => number;
  /** @default the global timers, unref'd */
  readonly timers?: Timers;
  readonly logger?: Logger;
}

/** Drops tombstones older than the grace period, every interval. */
export class TombstoneCollector {
  private readonly graceSeconds: number;
  private readonly nowTs: () => number;
  private readonly timers: Timers;
  private readonly logger: Logger;
  private timer: unknown;
  private collected = 0;
  private runs = 0;

  constructor(private readonly opts: TombstoneCollectorOptions) {
    if (!(opts.intervalMs > 0)) {
      throw new AntiEntropyError('INVALID_OPTION', `Invalid intervalMs ${opts.intervalMs}: expected a positive number`);
    }
    this.graceSeconds = opts.graceSeconds ?? 86_400;
    if (!(this.graceSeconds >= 0)) {
      throw new AntiEntropyError('INVALID_OPTION', `Invalid graceSeconds ${this.graceSeconds}: expected >= 0`);
    }
    this.nowTs = opts.nowTs ?? (() => Date.now() * TS_PER_MS);
    this.timers = opts.timers ?? systemTimers;
    this.logger = opts.logger ?? silentLogger;
  }

  /** Collects every interval from now on. Idempotent. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.collectNow();
      this.start();
    }, this.opts.intervalMs);
  }

  /** Stops collecting. */
  stop(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Collects now; returns how many tombstones were dropped. */
  collectNow(): number {
    const cutoff = this.nowTs() - this.graceSeconds * 1000 * TS_PER_MS;
    const dropped = this.opts.store.collectTombstones(cutoff);
    this.runs += 1;
    this.collected += dropped;
    if (dropped > 0) this.logger.info({ dropped, cutoff }, 'tombstones collected');
    return dropped;
  }

  /** Runs so far and tombstones dropped in total. */
  stats(): { runs: number; collected: number } {
    return { runs: this.runs, collected: this.collected };
  }
}
