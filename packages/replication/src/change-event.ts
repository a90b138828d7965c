import type { VersionedRecord } from '@merklekv/storage';

/** One replicated change: the new version of one key (a tombstone for a delete). */
export interface ChangeEvent {
  readonly key: string;
  readonly record: VersionedRecord;
}

/** A decoded batch: the events one node published in one message. */
export interface ChangeBatch {
  /** The publishing node's id. */
  readonly node: string;
  readonly events: readonly ChangeEvent[];
  /**
   * Set when the publisher has just (re)connected: peers answer by republishing
   * their recent events (see the replicator's replay buffer).
   */
  readonly rejoin: boolean;
  /**
   * Events left out because their key, value or writer id breaks the text protocol's rules
   * (they are never applied; the others are). Empty for a clean batch.
   */
  readonly rejected: readonly RejectedEvent[];
}

/** An event of a received batch that was not applied, and why. */
export interface RejectedEvent {
  /** Its position in the batch. */
  readonly index: number;
  readonly reason: string;
}
