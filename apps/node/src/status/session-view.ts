import type { PeerSyncStatus } from '@merklekv/anti-entropy';

/**
 * The last anti-entropy session with one peer, as `/cluster` shows it. The
 * one place that reads the anti-entropy package's per-peer report, so new
 * figures of a session slot in here.
 */
export interface SessionView {
  /** When it ended, ISO 8601. */
  readonly at: string;
  readonly ok: boolean;
  readonly error?: string;
  /** Round trips of the session (batches of pipelined requests, as SYNC reports them). */
  readonly roundTrips?: number;
  /** Keys pulled + pushed. */
  readonly keysRepaired?: number;
  readonly keysPulled?: number;
  readonly keysPushed?: number;
  readonly bytes?: number;
  readonly ms?: number;
  /** Roots were equal when it started. */
  readonly inSync?: boolean;
}

/** Converts the anti-entropy stats of one peer. */
export function sessionView(status: PeerSyncStatus): SessionView {
  const base = { at: new Date(status.at).toISOString(), ok: status.ok };
  const r = status.report;
  if (!status.ok || r === undefined) return { ...base, ...(status.error !== undefined ? { error: status.error } : {}) };
  return {
    ...base,
    roundTrips: r.roundTrips,
    keysRepaired: r.pulled + r.pushed,
    keysPulled: r.pulled,
    keysPushed: r.pushed,
    bytes: r.bytes,
    ms: r.ms,
    inSync: r.inSync,
  };
}

/**
 * Whether a session shows the two replicas in agreement when it ended: roots
 * equal at the start, or nothing needed repairing (differences were writes
 * still in flight). Undefined for a failed session, which shows nothing.
 */
export function sessionAgreed(status: PeerSyncStatus): boolean | undefined {
  const r = status.report;
  if (!status.ok || r === undefined) return undefined;
  return r.inSync || r.pulled + r.pushed === 0;
}
