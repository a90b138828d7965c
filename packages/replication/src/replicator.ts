/**
 * The replicator: every local change of the store goes out on
 * `{topicPrefix}/updates`, every change published by another node is merged
 * into the store through its LWW merge.
 *
 * Outgoing: local changes enter a bounded, key-coalescing {@link Outbox}. While
 * connected, batching works like a group commit: when no batch awaits its
 * PUBACK, what is queued goes out at the end of the current event-loop turn (a
 * burst of writes, or the writes of every connection read in that turn, becomes
 * one message; a lone write waits for nothing). While batches are in flight,
 * changes accumulate and go out when a PUBACK comes back, when `batchMaxEvents`
 * keys are queued, or `batchMaxDelayMs` after the first one, whichever comes
 * first; except under a light load: while fewer than `eagerInFlightBatches`
 * are in flight, the last one went out `eagerIntervalMs` ago or more and at
 * most `eagerMaxEvents` keys are queued, a PUBACK is not waited for. That small
 * window matters on brokers that keep Nagle's algorithm on (mosquitto's
 * default): there a PUBACK can wait for the client's next packet, which in a
 * strict group commit waited for the PUBACK until the timer broke the tie (up
 * to 2 ms per write). The interval and the event cap keep batches large under
 * a heavy load, where PUBACKs come back steadily: a message costs the node
 * tens of µs (socket writes and reads, the broker's wake-up) whatever its size.
 * At most `maxInFlightBatches` batches await their PUBACK (QoS 1), so memory
 * stays bounded when the broker is slow. While disconnected the outbox is the
 * backlog; a full outbox drops (and counts) changes, never blocks a write.
 * A failed publish puts its events back.
 *
 * Reconnect and rejoin: acknowledged events are remembered in a bounded
 * {@link RecentEvents} buffer. On every (re)connect the node republishes them
 * (the broker may have acknowledged a message and died before delivering it)
 * and flags its first batch `r:1`; a node seeing a peer's rejoin republishes
 * its own recent events shortly after, so a peer that was away catches up
 * without waiting for anti-entropy. Anti-entropy (triggered through
 * {@link Replicator.onReconnect}) repairs whatever is older than that.
 *
 * Incoming: payloads are validated (see event-codec.ts); rejects are counted
 * and logged (throttled), never applied; a node's own batches are ignored. An event whose key,
 * value or writer id breaks the text protocol's rules is rejected alone (counted in
 * `rejectedEvents`, logged throttled) and the rest of its batch is applied.
 */
import { performance } from 'node:perf_hooks';
import { silentLogger, systemTimers, tsMillis, type Logger, type Timers, type VersionedRecord } from '@merklekv/storage';
import { batchPrefix, decodeBatch, decodeOwnEvents, encodeBatchArrays, MAX_PAYLOAD_BYTES } from './event-codec.js';
import { signPayload, verifyPayload } from './payload-signature.js';
import { ReplicationError, ReplicationErrorCode } from './errors.js';
import { batchOf, Outbox, type EventBatch } from './outbox.js';
import { RecentEvents } from './recent-events.js';
import type { PubSub } from './pubsub.js';
import type { ReplicationStats } from './replication-stats.js';

/** What the replicator needs of a store (a `Store` of @merklekv/storage fits). */
export interface ReplicaStore {
  subscribe(listener: (e: { key: string; record: VersionedRecord; origin: 'local' | 'remote' }) => void): () => void;
  merge(key: string, version: VersionedRecord): 'applied' | 'stale';
}

/** Options of {@link Replicator}. */
export interface ReplicatorOptions {
  readonly store: ReplicaStore;
  /** This node's id (the `n` of its batches; batches with this id are ignored). */
  readonly nodeId: string;
  /** MQTT topic prefix; events travel on `{topicPrefix}/updates`. */
  readonly topicPrefix: string;
  readonly pubsub: PubSub;
  /**
   * Publish once this many keys are queued. Each message costs a node far more than its
   * bytes (publish, PUBACK, the echo of its own message and its PUBACK), so under a heavy
   * write load bigger batches are cheaper; a light load never fills one. @default 1024
   */
  readonly batchMaxEvents?: number;
  /** While earlier batches await their PUBACK, publish at most this long after the first queued change. @default 2 */
  readonly batchMaxDelayMs?: number;
  /** Soft cap on a batch's size in bytes (keys + values). @default 262144 */
  readonly batchMaxBytes?: number;
  /** Distinct keys the outbox holds while disconnected or backlogged; beyond, changes are dropped. @default 100000 */
  readonly queueLimit?: number;
  /**
   * While fewer batches than this await their PUBACK and the last went out `eagerIntervalMs`
   * ago or more, queued changes go out at the end of the event-loop turn without waiting for a
   * PUBACK. 1 makes a strict group commit. @default 2
   */
  readonly eagerInFlightBatches?: number;
  /** See `eagerInFlightBatches`; fractions of a millisecond allowed. @default 0.5 */
  readonly eagerIntervalMs?: number;
  /** See `eagerInFlightBatches`: with more keys queued, they wait for a PUBACK (a heavy load). @default 64 */
  readonly eagerMaxEvents?: number;
  /** A monotonic clock in ms with sub-millisecond precision (the eager interval). @default performance.now */
  readonly monotonicNow?: () => number;
  /** Batches awaiting a PUBACK at once. @default 64 */
  readonly maxInFlightBatches?: number;
  /** Recently published changes kept for republishing after a reconnect or a peer's rejoin (0 disables). @default 10000 */
  readonly replayLimit?: number;
  /** Delay before answering a peer's rejoin (coalesces several rejoins). @default 25 */
  readonly rejoinReplayDelayMs?: number;
  /** Largest payload accepted from the broker. @default 16 MiB */
  readonly maxPayloadBytes?: number;
  /** How long {@link Replicator.stop} waits for queued changes to be acknowledged. @default 2000 */
  readonly stopTimeoutMs?: number;
  /**
   * The cluster secret: batches are published signed (HMAC-SHA256) and only
   * correctly signed ones are accepted; unsigned or forged ones are rejected.
   * @default none: batches are neither signed nor checked
   */
  readonly secret?: string;
  /** Timers and clock. @default the system's */
  readonly timers?: Timers;
  readonly logger?: Logger;
}

const LOG_THROTTLE_MS = 1000;

/** Replicates a store's local changes over a {@link PubSub} and merges remote ones. */
export class Replicator {
  private readonly store: ReplicaStore;
  private readonly pubsub: PubSub;
  private readonly nodeId: string;
  private readonly topic: string;
  private readonly ownPrefix: Buffer;
  private readonly batchMaxEvents: number;
  private readonly batchMaxDelayMs: number;
  private readonly batchMaxBytes: number;
  private readonly maxInFlight: number;
  private readonly eagerInFlight: number;
  private readonly eagerIntervalMs: number;
  private readonly eagerMaxEvents: number;
  private readonly monotonicNow: () => number;
  /** When the last batch was handed to the pub/sub (monotonicNow). */
  private lastPublishAt = Number.NEGATIVE_INFINITY;
  private readonly rejoinReplayDelayMs: number;
  private readonly maxPayloadBytes: number;
  private readonly stopTimeoutMs: number;
  private readonly timers: Timers;
  private readonly secret: string | undefined;
  private readonly logger: Logger;
  private readonly outbox: Outbox;
  private readonly recent: RecentEvents;
  private readonly reconnectListeners = new Set<() => void>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly lastLog = new Map<string, { at: number; suppressed: number }>();
  private unsubscribers: Array<() => void> = [];
  private started = false;
  private online = false;
  private everOnline = false;
  private rejoinPending = false;
  private flushTimer: unknown;
  private flushQueued = false;
  private replayTimer: unknown;
  private counters = { published: 0, publishedBatches: 0, received: 0, receivedBatches: 0, applied: 0, stale: 0, rejected: 0, rejectedEvents: 0, failed: 0, replayed: 0, reconnects: 0, ownIgnored: 0, lagMs: 0 };

  /** @throws ReplicationError `INVALID_OPTION` for a non-positive size or a negative delay. */
  constructor(opts: ReplicatorOptions) {
    this.store = opts.store;
    this.pubsub = opts.pubsub;
    this.nodeId = opts.nodeId;
    this.topic = `${opts.topicPrefix}/updates`;
    this.ownPrefix = batchPrefix(opts.nodeId);
    this.batchMaxEvents = positiveInt('batchMaxEvents', opts.batchMaxEvents ?? 1024, 1);
    this.batchMaxDelayMs = positiveInt('batchMaxDelayMs', opts.batchMaxDelayMs ?? 2, 0);
    this.batchMaxBytes = positiveInt('batchMaxBytes', opts.batchMaxBytes ?? 256 * 1024, 1);
    this.maxInFlight = positiveInt('maxInFlightBatches', opts.maxInFlightBatches ?? 64, 1);
    this.eagerInFlight = positiveInt('eagerInFlightBatches', opts.eagerInFlightBatches ?? 2, 1);
    this.eagerIntervalMs = opts.eagerIntervalMs ?? 0.5;
    if (!(this.eagerIntervalMs >= 0)) throw new ReplicationError(ReplicationErrorCode.INVALID_OPTION, `eagerIntervalMs must be a number >= 0, got ${String(opts.eagerIntervalMs)}`);
    this.eagerMaxEvents = positiveInt('eagerMaxEvents', opts.eagerMaxEvents ?? 64, 1);
    this.monotonicNow = opts.monotonicNow ?? (() => performance.now());
    this.rejoinReplayDelayMs = positiveInt('rejoinReplayDelayMs', opts.rejoinReplayDelayMs ?? 25, 0);
    this.maxPayloadBytes = positiveInt('maxPayloadBytes', opts.maxPayloadBytes ?? MAX_PAYLOAD_BYTES, 1);
    this.stopTimeoutMs = positiveInt('stopTimeoutMs', opts.stopTimeoutMs ?? 2000, 0);
    this.outbox = new Outbox(positiveInt('queueLimit', opts.queueLimit ?? 100_000, 1));
    this.recent = new RecentEvents(positiveInt('replayLimit', opts.replayLimit ?? 10_000, 0));
    this.timers = opts.timers ?? systemTimers;
    this.secret = opts.secret;
    this.logger = opts.logger ?? silentLogger;
    if (opts.nodeId === '') throw new ReplicationError(ReplicationErrorCode.INVALID_OPTION, 'nodeId must not be empty');
  }

  /** Subscribes to the store and the updates topic; resolves once subscribed (or at once when offline). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.unsubscribers.push(
      this.store.subscribe((e) => {
        if (e.origin === 'local') this.onLocalChange(e.key, e.record);
      }),
      this.pubsub.onConnectionChange((connected) => (connected ? this.onConnected() : this.onDisconnected())),
    );
    await this.pubsub.subscribe(this.topic, (_topic, payload) => this.onMessage(payload));
    if (this.pubsub.connected) this.onConnected();
  }

  /**
   * Stops replicating: no more changes are taken from the store or the broker.
   * Queued changes are published first when connected (bounded by `stopTimeoutMs`).
   * The pub/sub connection is left open: its owner closes it.
   */
  async stop(): Promise<void> {
    if (!this.started) return;
    for (const unsubscribe of this.unsubscribers) unsubscribe();
    this.unsubscribers = [];
    this.timers.clearTimeout(this.replayTimer);
    this.replayTimer = undefined;
    const deadline = this.timers.now() + this.stopTimeoutMs;
    while ((this.outbox.size > 0 || this.inFlight.size > 0) && this.online && this.timers.now() < deadline) {
      this.flush();
      await Promise.race([Promise.allSettled([...this.inFlight]), this.sleep(Math.max(1, deadline - this.timers.now()))]);
    }
    this.timers.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.started = false;
    this.online = false;
  }

  /** Fires each time the broker connection comes back after a loss (the node starts an anti-entropy session). */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** A snapshot of the counters. */
  stats(): ReplicationStats {
    return { ...this.counters, connected: this.pubsub.connected, dropped: this.outbox.dropped, queueDepth: this.outbox.size, inFlightBatches: this.inFlight.size };
  }

  private onLocalChange(key: string, record: VersionedRecord): void {
    if (!this.outbox.offer(key, record)) {
      this.logThrottled('warn', 'queue-full', { queueLimit: this.outbox.limit, dropped: this.outbox.dropped }, 'replication queue full: change dropped, anti-entropy will repair it');
      return;
    }
    if (this.online) this.scheduleFlush();
  }

  private onConnected(): void {
    if (!this.started || this.online) return;
    this.online = true;
    if (this.everOnline) {
      this.counters.reconnects++;
      this.replayRecent();
      this.logger.info({ queueDepth: this.outbox.size }, 'replication reconnected');
      for (const listener of [...this.reconnectListeners]) {
        try {
          listener();
        } catch (err) {
          this.logger.error({ err }, 'onReconnect listener failed');
        }
      }
    }
    this.everOnline = true;
    this.rejoinPending = true;
    this.flush();
  }

  private onDisconnected(): void {
    if (!this.online) return;
    this.online = false;
    this.timers.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.logger.warn({ queueDepth: this.outbox.size }, 'replication disconnected: queueing changes');
  }

  private scheduleFlush(): void {
    if (this.outbox.size >= this.batchMaxEvents) this.flush();
    else if (this.flushQueued) return;
    else if (this.inFlight.size < this.eagerInFlight) {
      // Decide once this turn of the event loop is over (every socket read in it has written),
      // so a turn's writes make one message, not one per connection.
      this.flushQueued = true;
      setImmediate(this.turnFlush);
    } else this.startFlushTimer();
  }

  private readonly turnFlush = (): void => {
    this.flushQueued = false;
    if (!this.online) return;
    if (this.inFlight.size === 0 || this.eager()) this.flush();
    else if (this.outbox.size > 0) this.startFlushTimer();
  };

  /** A light load with a batch in flight: publish without waiting for its PUBACK (see the file comment). */
  private eager(): boolean {
    return this.inFlight.size < this.eagerInFlight && this.outbox.size <= this.eagerMaxEvents && this.monotonicNow() - this.lastPublishAt >= this.eagerIntervalMs;
  }

  private startFlushTimer(): void {
    if (this.flushTimer === undefined) {
      this.flushTimer = this.timers.setTimeout(() => {
        this.flushTimer = undefined;
        this.flush();
      }, this.batchMaxDelayMs);
    }
  }

  private flush(): void {
    this.timers.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    while (this.online && this.pubsub.connected && this.inFlight.size < this.maxInFlight && (this.outbox.size > 0 || this.rejoinPending)) {
      const batch = this.outbox.take(this.batchMaxEvents, this.batchMaxBytes);
      const rejoin = this.rejoinPending;
      this.rejoinPending = false;
      this.publish(batch, rejoin);
    }
  }

  private publish(batch: EventBatch, rejoin: boolean): void {
    this.lastPublishAt = this.monotonicNow();
    const encoded = encodeBatchArrays(this.nodeId, batch.keys, batch.records, rejoin);
    const payload = this.secret === undefined ? encoded : signPayload(encoded, this.secret);
    // From here on only the bytes are kept (a failed batch is decoded back to be requeued, which
    // is rare): the batch's version objects die young instead of waiting for the PUBACK.
    const events = batch.keys.length;
    const done = this.pubsub.publish(this.topic, payload, { qos: 1 }).then(
      () => {
        this.counters.published += events;
        this.counters.publishedBatches++;
        this.recent.remember(encoded, events);
      },
      (err: unknown) => {
        if (this.pubsub.connected) {
          // Connected yet refused (e.g. a packet too large for the broker): retrying would loop.
          this.logger.error({ err, events }, 'replication publish failed: events dropped, anti-entropy will repair them');
          this.outbox.countDropped(events);
        } else {
          this.outbox.requeue(batchOf(decodeOwnEvents(encoded)));
          if (rejoin) this.rejoinPending = true;
        }
      },
    );
    const tracked = done.finally(() => {
      this.inFlight.delete(tracked);
      if (this.online && (this.outbox.size > 0 || this.rejoinPending)) this.scheduleFlush();
    });
    this.inFlight.add(tracked);
  }

  private onMessage(payload: Buffer): void {
    if (!this.started) return;
    if (payload.subarray(0, this.ownPrefix.length).equals(this.ownPrefix)) {
      this.counters.ownIgnored++; // our own batch echoed back: not even parsed
      return;
    }
    const verified = this.secret === undefined ? { ok: true as const, body: payload } : verifyPayload(payload, this.secret);
    const result = verified.ok ? decodeBatch(verified.body, this.maxPayloadBytes) : verified;
    if (!result.ok) {
      this.counters.rejected++;
      this.logThrottled('warn', 'rejected', { code: result.error.code, reason: result.error.message, bytes: payload.length, rejected: this.counters.rejected }, 'replication payload rejected');
      return;
    }
    const { batch } = result;
    if (batch.node === this.nodeId) {
      this.counters.ownIgnored++;
      return;
    }
    this.counters.receivedBatches++;
    this.counters.received += batch.events.length + batch.rejected.length;
    if (batch.rejected.length > 0) {
      this.counters.rejectedEvents += batch.rejected.length;
      const first = batch.rejected[0] as { reason: string };
      this.logThrottled('warn', 'event-rejected', { from: batch.node, events: batch.rejected.length, reason: first.reason, rejectedEvents: this.counters.rejectedEvents }, 'replication events rejected: they break the protocol\'s rules for keys, values or node ids (the rest of the batch is applied)');
    }
    if (batch.rejoin) this.scheduleReplay();
    const nowMs = this.timers.now();
    let newest = Number.NEGATIVE_INFINITY;
    for (const { key, record } of batch.events) {
      const written = tsMillis(record.ts);
      if (written > newest) newest = written;
      try {
        if (this.store.merge(key, record) === 'applied') this.counters.applied++;
        else this.counters.stale++;
      } catch (err) {
        this.counters.failed++;
        this.logThrottled('error', 'merge-failed', { err, key, from: batch.node }, 'replication merge failed');
      }
    }
    if (batch.events.length > 0) this.counters.lagMs = Math.max(0, nowMs - newest);
  }

  private scheduleReplay(): void {
    if (this.replayTimer !== undefined) return;
    this.replayTimer = this.timers.setTimeout(() => {
      this.replayTimer = undefined;
      this.replayRecent();
      if (this.online) this.flush();
    }, this.rejoinReplayDelayMs);
  }

  private replayRecent(): void {
    this.counters.replayed += this.outbox.addIfAbsent(this.recent.events());
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.timers.setTimeout(resolve, ms));
  }

  private logThrottled(level: 'warn' | 'error', kind: string, obj: object, msg: string): void {
    const now = this.timers.now();
    const last = this.lastLog.get(kind);
    if (last !== undefined && now - last.at < LOG_THROTTLE_MS) {
      last.suppressed++;
      return;
    }
    this.lastLog.set(kind, { at: now, suppressed: 0 });
    this.logger[level]({ ...obj, suppressed: last?.suppressed ?? 0 }, msg);
  }
}

function positiveInt(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ReplicationError(ReplicationErrorCode.INVALID_OPTION, `${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}
