import type { Store } from '@merklekv/storage';
import type { Logger } from '../logger.js';

/**
 * Keys expired per step: a few tens of µs of work (a digest, a tree update and an engine write
 * each, ~1-2 µs), then the event loop serves clients before the next step. A client with one
 * request in flight waits behind at most one step; bench expiry measures the effect on its p99.
 */
export const SWEEP_STEP_KEYS = 25;

/** What the sweeper has done since start (INFO, /metrics). */
export interface ExpiryStats {
  /** Sweep runs (one per interval in which a key was due). */
  readonly sweeps: number;
  /** Time spent expiring keys, in ms. */
  readonly sweepMs: number;
  /** The longest single step, in ms (how long a client could have waited behind the sweep). */
  readonly maxStepMs: number;
  /** Runs that failed (logged; retried at the next interval). */
  readonly failures: number;
}

/** Options of {@link ExpirySweeper}. */
export interface ExpirySweeperOptions {
  readonly store: Pick<Store, 'sweepExpired'>;
  /** How often a run starts, in ms. */
  readonly intervalMs: number;
  readonly logger: Logger;
  /** @default SWEEP_STEP_KEYS */
  readonly stepKeys?: number;
}

/**
 * The active expiry (DESIGN.md §2): every `intervalMs`, expires the keys that are due, in steps
 * of at most `stepKeys` keys, yielding to the event loop (setImmediate) between steps, so that
 * memory is reclaimed within one interval of a key's expiry while no client waits for more than
 * one step. Lazy expiry on access covers the time in between: an expired key is never read.
 */
export class ExpirySweeper {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  private sweeps = 0;
  private sweepMs = 0;
  private maxStepMs = 0;
  private failures = 0;
  private readonly stepKeys: number;

  constructor(private readonly opts: ExpirySweeperOptions) {
    this.stepKeys = opts.stepKeys ?? SWEEP_STEP_KEYS;
  }

  start(): void {
    if (this.timer !== undefined || this.stopped) return;
    this.timer = setInterval(() => this.run(), this.opts.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  get stats(): ExpiryStats {
    return { sweeps: this.sweeps, sweepMs: this.sweepMs, maxStepMs: this.maxStepMs, failures: this.failures };
  }

  /** One run: steps until nothing is due (a run still going when the next interval comes is not doubled). */
  run(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    let counted = false;
    const step = (): void => {
      if (this.stopped) {
        this.running = false;
        return;
      }
      const started = performance.now();
      let more: boolean;
      let expired: number;
      try {
        ({ expired, more } = this.opts.store.sweepExpired(this.stepKeys));
      } catch (err) {
        this.running = false;
        this.failures++;
        this.opts.logger.error({ err }, 'expiry sweep failed; it is retried at the next interval (expired keys stay unreadable meanwhile)');
        return;
      }
      const ms = performance.now() - started;
      if (expired > 0) {
        if (!counted) this.sweeps++;
        counted = true;
        this.sweepMs += ms;
        if (ms > this.maxStepMs) this.maxStepMs = ms;
      }
      if (more) setImmediate(step);
      else this.running = false;
    };
    step();
  }
}
