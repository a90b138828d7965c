/**
 * Per-second rates over a short sliding window: commands served, replication
 * events in and out, and the 99th percentile of command latency. The node
 * samples its monotonic counters and the latency histogram's cumulative
 * buckets once a second; a rate is the difference between the newest and the
 * oldest sample divided by the time between them, and the quantile is
 * interpolated inside the bucket where it falls, as PromQL's
 * `histogram_quantile` does. Pure: samples are passed in.
 */

/** One reading of the node's counters. */
export interface ActivitySample {
  /** When it was read, ms. */
  readonly at: number;
  /** Commands served so far. */
  readonly commands: number;
  /** Replication events received from other nodes so far. */
  readonly replicationIn: number;
  /** Local events published so far. */
  readonly replicationOut: number;
  /** Cumulative latency bucket counts, one per entry of the window's `bounds` (seconds), then +Inf. */
  readonly latencyBuckets: readonly number[];
}

/** Rates over the window. */
export interface Activity {
  readonly opsPerSec: number;
  /** 99th percentile command latency in ms; null when no command was timed in the window. */
  readonly p99LatencyMs: number | null;
  readonly replicationInPerSec: number;
  readonly replicationOutPerSec: number;
  /** The time the rates span, in seconds. */
  readonly windowSeconds: number;
}

/** Keeps the last `size` samples. */
export class ActivityWindow {
  private readonly samples: ActivitySample[] = [];

  /**
   * @param bounds the histogram's finite bucket upper bounds, ascending, in seconds
   * @param size samples kept; rates span up to size - 1 sampling periods. @default 11
   */
  constructor(
    private readonly bounds: readonly number[],
    private readonly size = 11,
  ) {}

  push(sample: ActivitySample): void {
    this.samples.push(sample);
    if (this.samples.length > this.size) this.samples.shift();
  }

  /** Rates between the oldest and the newest sample; undefined until two samples span some time. */
  rates(): Activity | undefined {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (first === undefined || last === undefined || last.at <= first.at) return undefined;
    const seconds = (last.at - first.at) / 1000;
    const rate = (pick: (s: ActivitySample) => number): number => Math.max(0, pick(last) - pick(first)) / seconds;
    const deltas = last.latencyBuckets.map((n, i) => Math.max(0, n - (first.latencyBuckets[i] ?? 0)));
    const p99 = bucketQuantile(0.99, this.bounds, deltas);
    return {
      opsPerSec: rate((s) => s.commands),
      p99LatencyMs: p99 === undefined ? null : p99 * 1000,
      replicationInPerSec: rate((s) => s.replicationIn),
      replicationOutPerSec: rate((s) => s.replicationOut),
      windowSeconds: seconds,
    };
  }
}

/**
 * The `q` quantile of observations counted in cumulative buckets (`cumulative[i]`
 * observations ≤ `bounds[i]`; the last entry, +Inf, counts all of them),
 * interpolated linearly inside its bucket; the largest finite bound when it
 * falls in +Inf; undefined when there are no observations.
 */
export function bucketQuantile(q: number, bounds: readonly number[], cumulative: readonly number[]): number | undefined {
  const total = cumulative[cumulative.length - 1] ?? 0;
  if (!(total > 0)) return undefined;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < bounds.length; i++) {
    const count = cumulative[i] ?? 0;
    if (count >= rank && count > below) {
      const lower = i === 0 ? 0 : (bounds[i - 1] ?? 0);
      const upper = bounds[i] ?? lower;
      return lower + ((upper - lower) * (rank - below)) / (count - below);
    }
    below = Math.max(below, count);
  }
  return bounds[bounds.length - 1];
}
