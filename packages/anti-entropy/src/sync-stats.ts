import type { SyncReport } from './peer.js';

/** The outcome of the last session with one peer. */
export interface PeerSyncStatus {
  readonly address: string;
  /** When the session ended (ms since the epoch). */
  readonly at: number;
  readonly ok: boolean;
  /** The report of a successful session. */
  readonly report?: SyncReport;
  /** A successful session's round trips (`report.roundTrips`). */
  readonly roundTrips?: number;
  /** A successful session's keys pulled + pushed. */
  readonly keysRepaired?: number;
  /** The error message of a failed session. */
  readonly error?: string;
}

/** Counters of an {@link AntiEntropy} scheduler since it was made. */
export interface AntiEntropyStats {
  /** Sessions finished, failed ones included. */
  readonly sessions: number;
  readonly failures: number;
  /** Keys pulled + keys pushed. */
  readonly keysRepaired: number;
  readonly keysPulled: number;
  readonly keysPushed: number;
  /** Bytes exchanged with peers, failed sessions included. */
  readonly bytes: number;
  /** Sessions running now. */
  readonly running: number;
  /** Peers waiting for a session slot. */
  readonly queued: number;
  /** The last session with each peer, by address. */
  readonly peers: readonly PeerSyncStatus[];
}

/** Mutable counters behind {@link AntiEntropyStats}. */
export class SyncStatsRecorder {
  private sessions = 0;
  private failures = 0;
  private pulled = 0;
  private pushed = 0;
  private bytes = 0;
  private readonly last = new Map<string, PeerSyncStatus>();

  succeeded(address: string, at: number, report: SyncReport): void {
    this.sessions += 1;
    this.pulled += report.pulled;
    this.pushed += report.pushed;
    this.bytes += report.bytes;
    this.last.set(address, { address, at, ok: true, report, roundTrips: report.roundTrips, keysRepaired: report.pulled + report.pushed });
  }

  failed(address: string, at: number, error: string, bytes: number): void {
    this.sessions += 1;
    this.failures += 1;
    this.bytes += bytes;
    this.last.set(address, { address, at, ok: false, error });
  }

  snapshot(running: number, queued: number): AntiEntropyStats {
    return {
      sessions: this.sessions,
      failures: this.failures,
      keysRepaired: this.pulled + this.pushed,
      keysPulled: this.pulled,
      keysPushed: this.pushed,
      bytes: this.bytes,
      running,
      queued,
      peers: [...this.last.values()],
    };
  }
}
