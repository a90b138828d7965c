import type { Histogram } from 'prom-client';
import type { StatsSection } from '../commands/context.js';
import type { Logger } from '../logger.js';
import { ActivityWindow, type Activity } from './activity.js';

/** What the sampler reads once a second. */
export interface ActivitySource {
  /** Commands served so far. */
  commands(): number;
  /** Replication events received and published so far (0 without MQTT). */
  replication(): { readonly received: number; readonly published: number };
  /** The command latency histogram. */
  readonly latency: Histogram<'command'>;
  /** Its finite bucket bounds, seconds, ascending. */
  readonly bounds: readonly number[];
}

/** A running sampler. */
export interface ActivitySampler {
  current(): Activity | undefined;
  /** The INFO `# Activity` section (peers read it for their status page). */
  section(): StatsSection;
  stop(): void;
}

/** Sample every second; rates span the last 10 s. */
const PERIOD_MS = 1000;

/**
 * Samples the node's counters and latency histogram every second (an unref'd
 * timer) into an {@link ActivityWindow}.
 */
export function startActivitySampler(source: ActivitySource, logger: Logger): ActivitySampler {
  const window = new ActivityWindow(source.bounds);
  let failed = false;
  const sample = async (): Promise<void> => {
    const buckets = await latencyBuckets(source.latency, source.bounds);
    const replication = source.replication();
    window.push({ at: Date.now(), commands: source.commands(), replicationIn: replication.received, replicationOut: replication.published, latencyBuckets: buckets });
  };
  const tick = (): void => {
    sample().then(
      () => (failed = false),
      (err: unknown) => {
        // Logged once per run of failures: the figures go stale, the node serves on.
        if (!failed) logger.warn({ err }, 'activity sampling failed: INFO # Activity and the status page show stale rates');
        failed = true;
      },
    );
  };
  tick();
  const timer = setInterval(tick, PERIOD_MS);
  timer.unref();
  return {
    current: () => window.rates(),
    section: () => {
      const a = window.rates();
      return [
        'Activity',
        {
          ops_per_sec: a === undefined ? '' : round(a.opsPerSec),
          p99_latency_ms: a?.p99LatencyMs == null ? '' : round(a.p99LatencyMs, 3),
          replication_in_per_sec: a === undefined ? '' : round(a.replicationInPerSec),
          replication_out_per_sec: a === undefined ? '' : round(a.replicationOutPerSec),
          window_seconds: a === undefined ? 0 : round(a.windowSeconds),
        },
      ];
    },
    stop: () => clearInterval(timer),
  };
}

/** The histogram's cumulative bucket counts summed over every command, in `bounds` order then +Inf. */
export async function latencyBuckets(histogram: Histogram<'command'>, bounds: readonly number[]): Promise<number[]> {
  const out = new Array<number>(bounds.length + 1).fill(0);
  const index = new Map(bounds.map((b, i) => [String(b), i]));
  for (const { labels, value, metricName } of (await histogram.get()).values) {
    if (metricName === undefined || !metricName.endsWith('_bucket')) continue;
    const le = String((labels as Record<string, string | number | undefined>)['le']);
    const i = le === '+Inf' ? bounds.length : index.get(le);
    if (i !== undefined) out[i] = (out[i] ?? 0) + value;
  }
  return out;
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
