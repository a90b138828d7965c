/**
 * The anti-entropy scheduler. Every interval (±jitter, so nodes started
 * together drift apart) every peer is queued; at most `maxConcurrent` sessions
 * run at once and never two with the same peer (a peer asked for again while
 * its session runs waits for it). `triggerAll()` queues every peer at once
 * (the node calls it when MQTT comes back after an outage); `syncNow()` runs a
 * session right away, outside the concurrency limit (the SYNC command).
 */
import { formatPeerAddress, parsePeerAddress } from './address.js';
import { AntiEntropyError } from './errors.js';
import type { Peer, SyncReport } from './peer.js';
import { runSession } from './session.js';
import type { SessionOptions, SessionStore } from './session.js';
import { SyncStatsRecorder } from './sync-stats.js';
import type { AntiEntropyStats } from './sync-stats.js';
import { connectTcpPeer } from './tcp-peer.js';
import { jitteredDelay } from './timers.js';
import { PEER_PROTOCOL_VERSION } from '@merklekv/protocol';
import { silentLogger, systemTimers } from '@merklekv/storage';
import type { Logger, Timers } from '@merklekv/storage';

/** Options of {@link AntiEntropy}. */
export interface AntiEntropyOptions {
  readonly store: SessionStore;
  /** The peers' client addresses (`host:port`), read at every round: the static peer_list plus discovered ones. */
  readonly peers: () => readonly string[];
  /** `interval_seconds` × 1000: the mean time between rounds. */
  readonly intervalMs: number;
  /** `max_concurrent_syncs`: sessions running at once. */
  readonly maxConcurrent: number;
  /** Opens a peer. @default connectTcpPeer */
  readonly connect?: (address: string) => Peer;
  /** Random source in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Largest relative deviation of an interval. @default 0.2 (±20%) */
  readonly jitter?: number;
  /** @default the global timers, unref'd */
  readonly timers?: Timers;
  /** Wall clock for the stats (ms since the epoch). @default Date.now */
  readonly clock?: () => number;
  readonly logger?: Logger;
  /** Passed to every {@link runSession}. */
  readonly session?: Omit<SessionOptions, 'signal'>;
}

/** Runs anti-entropy sessions with a node's peers, on a timer and on demand. */
export class AntiEntropy {
  private readonly connect: (address: string) => Peer;
  private readonly random: () => number;
  private readonly jitter: number;
  private readonly timers: Timers;
  private readonly clock: () => number;
  private readonly logger: Logger;
  private readonly recorder = new SyncStatsRecorder();
  /** Peers waiting for a slot, in arrival order. */
  private readonly queue = new Set<string>();
  /** Per peer, the end of its chain of sessions (running or waiting). */
  private readonly locks = new Map<string, Promise<void>>();
  private readonly aborts = new Set<AbortController>();
  /** Peers already reported as speaking an older peer protocol, with that version (logged once each per version). */
  private readonly oldPeers = new Map<string, number>();
  private active = 0;
  private queuedRunning = 0;
  private timer: unknown;
  private started = false;
  private stopped = false;

  constructor(private readonly opts: AntiEntropyOptions) {
    if (!(opts.intervalMs > 0)) {
      throw new AntiEntropyError('INVALID_OPTION', `Invalid intervalMs ${opts.intervalMs}: expected a positive number`);
    }
    if (!Number.isInteger(opts.maxConcurrent) || opts.maxConcurrent < 1) {
      throw new AntiEntropyError(
        'INVALID_OPTION',
        `Invalid maxConcurrent ${opts.maxConcurrent}: expected an integer of at least 1`,
      );
    }
    const jitter = opts.jitter ?? 0.2;
    if (!(jitter >= 0 && jitter < 1)) {
      throw new AntiEntropyError('INVALID_OPTION', `Invalid jitter ${jitter}: expected 0 <= jitter < 1`);
    }
    this.jitter = jitter;
    this.connect = opts.connect ?? ((address) => connectTcpPeer(address));
    this.random = opts.random ?? Math.random;
    this.timers = opts.timers ?? systemTimers;
    this.clock = opts.clock ?? Date.now;
    this.logger = opts.logger ?? silentLogger;
  }

  /** Starts the periodic rounds; the first comes after one (jittered) interval. Idempotent. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopped = false;
    this.schedule();
  }

  /** Stops the timer, drops the queue, aborts running sessions and waits for them to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.started = false;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.clear();
    for (const controller of this.aborts) controller.abort();
    await Promise.all([...this.locks.values()]);
  }

  /**
   * Runs a session with `address` now (waiting only for a session with the
   * same peer that is already running) and returns its report.
   *
   * @throws AntiEntropyError `INVALID_ADDRESS`, `STOPPED` after {@link stop},
   *   or `SYNC_FAILED` with the cause when the session fails.
   */
  async syncNow(address: string): Promise<SyncReport> {
    const peer = formatPeerAddress(parsePeerAddress(address));
    if (this.stopped) throw new AntiEntropyError('STOPPED', `Anti-entropy is stopped; cannot sync with ${peer}`);
    return this.exclusive(peer, () => this.session(peer));
  }

  /** Queues a session with every peer now (deduplicated); no-op once stopped. */
  triggerAll(): void {
    if (this.stopped) return;
    for (const address of this.opts.peers()) {
      let peer: string;
      try {
        peer = formatPeerAddress(parsePeerAddress(address));
      } catch (error) {
        this.logger.warn({ address, err: error }, 'anti-entropy: skipping an invalid peer address');
        continue;
      }
      this.queue.add(peer);
    }
    this.pump();
  }

  /** Counters, and the last session with each peer. */
  stats(): AntiEntropyStats {
    return this.recorder.snapshot(this.active, this.queue.size);
  }

  private schedule(): void {
    const delay = jitteredDelay(this.opts.intervalMs, this.jitter, this.random);
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      if (!this.started) return;
      this.triggerAll();
      this.schedule();
    }, delay);
  }

  /** Starts queued peers while slots are free, skipping peers whose session is still running. */
  private pump(): void {
    for (const peer of this.queue) {
      if (this.queuedRunning >= this.opts.maxConcurrent) return;
      if (this.locks.has(peer)) continue;
      this.queue.delete(peer);
      this.queuedRunning += 1;
      this.exclusive(peer, () => this.session(peer))
        .catch(() => {
          // Recorded and logged by session(); a background round has no caller to tell.
        })
        .finally(() => {
          this.queuedRunning -= 1;
          this.pump();
        });
    }
  }

  /** Runs `fn` after every earlier session with `peer` has ended. */
  private exclusive<T>(peer: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(peer) ?? Promise.resolve();
    const run = previous.then(fn);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(peer, settled);
    void settled.then(() => {
      if (this.locks.get(peer) === settled) this.locks.delete(peer);
      this.pump();
    });
    return run;
  }

  /**
   * Logs once per peer that it speaks an older peer protocol: 1 (sessions with it fall back to the
   * old walk) or 2 (text TREES/ENTRIES instead of the packed PTREES/PENTRIES).
   */
  private noteProtocol(address: string, report: SyncReport): void {
    const max = this.opts.session?.maxProtocol ?? PEER_PROTOCOL_VERSION;
    if (report.protocol >= max) {
      this.oldPeers.delete(address);
      return;
    }
    if (this.oldPeers.get(address) === report.protocol) return;
    this.oldPeers.set(address, report.protocol);
    if (report.protocol === 2) {
      this.logger.warn(
        { peer: address },
        `anti-entropy: peer ${address} speaks peer protocol 2 (it answered PEERV ${max} with PEERV 2); ` +
          'sessions with it send tree summaries as text TREES/ENTRIES, about 1.5x the bytes of protocol 3; upgrade it for protocol 3',
      );
      return;
    }
    this.logger.warn(
      { peer: address },
      `anti-entropy: peer ${address} speaks peer protocol 1 only (it answered PEERV with Invalid command); ` +
        'sessions with it use the old walk, one round trip per tree level batch of 16 nodes; upgrade it for protocol 3',
    );
  }

  private async session(address: string): Promise<SyncReport> {
    // A session that was waiting for its peer when stop() came never starts.
    if (this.stopped) throw new AntiEntropyError('STOPPED', `Anti-entropy is stopped; cannot sync with ${address}`);
    const controller = new AbortController();
    this.aborts.add(controller);
    this.active += 1;
    let peer: Peer | undefined;
    try {
      peer = this.connect(address);
      const report = await runSession(this.opts.store, peer, { ...this.opts.session, signal: controller.signal });
      this.recorder.succeeded(address, this.clock(), report);
      if (report.pulled > 0 || report.pushed > 0) this.logger.info({ peer: address, ...report }, 'anti-entropy session repaired keys');
      else this.logger.debug({ peer: address, ...report }, 'anti-entropy session done');
      this.noteProtocol(address, report);
      return report;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.recorder.failed(address, this.clock(), message, peer?.bytes() ?? 0);
      // A peer that is down, restarting or refusing is an ordinary event: one line; a bug keeps its stack.
      if (isProgrammingError(error)) this.logger.warn({ peer: address, err: error }, 'anti-entropy session failed');
      else this.logger.warn({ peer: address, reason: message }, 'anti-entropy session failed: will retry next round');
      if (error instanceof AntiEntropyError && (error.code === 'STOPPED' || error.code === 'ABORTED')) throw error;
      throw new AntiEntropyError('SYNC_FAILED', `Anti-entropy with ${address} failed: ${message}`, { cause: error });
    } finally {
      this.active -= 1;
      this.aborts.delete(controller);
      await closeQuietly(peer, this.logger, address);
    }
  }
}

async function closeQuietly(peer: Peer | undefined, logger: Logger, address: string): Promise<void> {
  if (peer === undefined) return;
  try {
    await peer.close();
  } catch (error) {
    logger.debug({ peer: address, err: error }, 'anti-entropy: closing the peer failed');
  }
}

/** TypeError, RangeError, ...: a fault in this code, logged with its stack (everything else is an ordinary failure). */
function isProgrammingError(error: unknown): boolean {
  return error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError || error instanceof SyntaxError;
}
