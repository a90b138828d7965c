/**
 * Latency samples and percentiles.
 *
 * A bounded benchmark records at most a few hundred thousand samples, so they
 * are kept exactly (a growable Float64Array, 8 bytes each) and percentiles
 * use the nearest-rank definition on the sorted samples: no bucketing error.
 */

/**
 * The nearest-rank percentile of ascending-sorted samples: the smallest sample
 * such that at least `p`% of the samples are ≤ it. `NaN` when there are none.
 * @param sorted samples in ascending order
 * @param p percentile in [0, 100]
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  // The epsilon keeps p = 99.9, n = 1000 at rank 999 despite 99.9 not being exact in binary.
  const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) * n) / 100 - 1e-9));
  return sorted[rank - 1] as number;
}

/** Percentile summary of a set of latency samples (milliseconds). */
export interface LatencySummary {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** Records latency samples (any unit; the bench uses milliseconds). */
export class LatencyRecorder {
  private samples: Float64Array;
  private n = 0;

  /** @param initialCapacity preallocated samples @default 65536 */
  constructor(initialCapacity = 65536) {
    this.samples = new Float64Array(Math.max(16, initialCapacity));
  }

  /** Samples recorded so far. */
  get count(): number {
    return this.n;
  }

  /** Records one sample. */
  record(value: number): void {
    if (this.n === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.n++] = value;
  }

  /** Adds every sample of `other`. */
  merge(other: LatencyRecorder): void {
    for (let i = 0; i < other.n; i++) this.record(other.samples[i] as number);
  }

  /** Min, mean, percentiles and max of the samples (`NaN`s when empty). */
  summary(): LatencySummary {
    const sorted = this.samples.slice(0, this.n).sort();
    let sum = 0;
    for (let i = 0; i < sorted.length; i++) sum += sorted[i] as number;
    return {
      count: this.n,
      min: this.n === 0 ? Number.NaN : (sorted[0] as number),
      mean: this.n === 0 ? Number.NaN : sum / this.n,
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      p999: percentile(sorted, 99.9),
      max: this.n === 0 ? Number.NaN : (sorted[this.n - 1] as number),
    };
  }
}
