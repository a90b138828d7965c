/**
 * Where the replication latency goes: a probe around the writer's and the reader's
 * {@link PubSub}, so that every write's path A → B splits into
 * - queue:   `store.set` on A → A hands the batch holding it to MQTT (batching, timers, microtasks),
 * - broker:  A hands it to MQTT → B's client delivers it (socket writes, mosquitto, socket reads,
 *            mqtt.js parsing; and the event loop being busy elsewhere),
 * - apply:   B's client delivers it → B's store emits the change (decode, merge, tree upkeep),
 * with the event loop's own delay (`monitorEventLoopDelay`: GC pauses and long tasks show here)
 * beside them, and the garbage collector's pauses (a `PerformanceObserver` of `gc` entries).
 * The probe is observation only: payloads are decoded after the run.
 */
import { monitorEventLoopDelay, performance, PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';
import { decodeBatch, type MessageHandler, type PublishOptions, type PubSub } from '@merklekv/replication';
import { percentile } from './latency.js';

interface Seen {
  readonly at: number;
  readonly payload: Buffer;
}

/** A PubSub that notes when payloads go out (publish) and come in (delivery). */
export class ProbedPubSub implements PubSub {
  readonly published: Seen[] = [];
  readonly delivered: Seen[] = [];
  recording = false;

  constructor(private readonly inner: PubSub) {}

  get connected(): boolean {
    return this.inner.connected;
  }

  publish(topic: string, payload: Buffer, opts?: PublishOptions): Promise<void> {
    if (this.recording) this.published.push({ at: performance.now(), payload });
    return this.inner.publish(topic, payload, opts);
  }

  subscribe(topic: string, onMessage: MessageHandler): Promise<void> {
    return this.inner.subscribe(topic, (t, payload) => {
      if (this.recording) this.delivered.push({ at: performance.now(), payload });
      onMessage(t, payload);
    });
  }

  onConnectionChange(listener: (connected: boolean) => void): () => void {
    return this.inner.onConnectionChange(listener);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  reset(): void {
    this.published.length = 0;
    this.delivered.length = 0;
  }
}

/** p50 / p99 / max of one stage, ms. */
export interface StageFigures {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** The stage split of one latency run. */
export interface StageReport {
  readonly queue: StageFigures;
  readonly broker: StageFigures;
  readonly apply: StageFigures;
  /** Event-loop delay over the run (ms): p50 / p99 / max. */
  readonly loopDelay: StageFigures;
  /** Batches published by A during the run. */
  readonly batches: number;
  /** Garbage-collection pauses of the process during the run. */
  readonly gc: GcFigures;
}

/** GC pauses seen by a {@link GcMonitor}: how many, their total and the longest, ms. */
export interface GcFigures {
  readonly count: number;
  readonly totalMs: number;
  readonly maxMs: number;
}

/** Collects the process's GC pauses until stopped. */
export interface GcMonitor {
  stop(): GcFigures;
}

/** Starts observing garbage-collection pauses. */
export function startGcMonitor(): GcMonitor {
  let count = 0;
  let totalMs = 0;
  let maxMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      count++;
      totalMs += entry.duration;
      if (entry.duration > maxMs) maxMs = entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      observer.disconnect();
      return { count, totalMs, maxMs };
    },
  };
}

/** The first time each key was seen in `seen` (a payload decoded per entry). */
function firstSeen(seen: readonly Seen[]): Map<string, number> {
  const at = new Map<string, number>();
  for (const s of seen) {
    const r = decodeBatch(s.payload);
    if (!r.ok) continue;
    for (const e of r.batch.events) if (!at.has(e.key)) at.set(e.key, s.at);
  }
  return at;
}

function figures(values: number[]): StageFigures {
  values.sort((x, y) => x - y);
  return { p50: percentile(values, 50), p99: percentile(values, 99), max: values[values.length - 1] ?? 0 };
}

/** Starts the event-loop delay monitor (resolution 1 ms). */
export function startLoopMonitor(): IntervalHistogram {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  return h;
}

/**
 * Splits each write's latency into stages.
 * @param written key → when `store.set` was called on A
 * @param visible key → when B's store emitted the change
 * @param gc the GC pauses during the run
 */
export function stageReport(written: ReadonlyMap<string, number>, visible: ReadonlyMap<string, number>, a: ProbedPubSub, b: ProbedPubSub, loop: IntervalHistogram, gc: GcFigures): StageReport {
  const out = firstSeen(a.published);
  const inn = firstSeen(b.delivered);
  const queue: number[] = [];
  const broker: number[] = [];
  const apply: number[] = [];
  for (const [key, t0] of written) {
    const t1 = out.get(key);
    const t2 = inn.get(key);
    const t3 = visible.get(key);
    if (t1 === undefined || t2 === undefined || t3 === undefined) continue;
    queue.push(t1 - t0);
    broker.push(t2 - t1);
    apply.push(t3 - t2);
  }
  const ns = 1e6;
  return {
    queue: figures(queue),
    broker: figures(broker),
    apply: figures(apply),
    loopDelay: { p50: loop.percentile(50) / ns, p99: loop.percentile(99) / ns, max: loop.max / ns },
    batches: a.published.length,
    gc,
  };
}
