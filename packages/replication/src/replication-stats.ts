/** Counters of one replicator (all monotonic except `connected`, `queueDepth`, `inFlightBatches`). */
export interface ReplicationStats {
  /** The broker connection is up. */
  readonly connected: boolean;
  /** Local events acknowledged by the broker. */
  readonly published: number;
  /** Batches (MQTT messages) acknowledged by the broker. */
  readonly publishedBatches: number;
  /** Events received from other nodes. */
  readonly received: number;
  /** Batches received from other nodes. */
  readonly receivedBatches: number;
  /** Remote events that won the LWW merge. */
  readonly applied: number;
  /** Remote events that lost the LWW merge (older than, or equal to, the local version). */
  readonly stale: number;
  /** Payloads rejected: malformed, foreign, unsupported version, too large. */
  readonly rejected: number;
  /** Events left out of an accepted batch: a key, value or writer id the text protocol refuses. */
  readonly rejectedEvents: number;
  /** Remote events the store refused (e.g. storage full). */
  readonly failed: number;
  /** Local events never published because the queue was full (anti-entropy repairs them). */
  readonly dropped: number;
  /** Distinct keys waiting to be published. */
  readonly queueDepth: number;
  /** Batches published and not yet acknowledged. */
  readonly inFlightBatches: number;
  /** Events republished after a reconnect or a peer's rejoin. */
  readonly replayed: number;
  /** Times the connection came back after being lost. */
  readonly reconnects: number;
  /** Own batches echoed back by the broker and ignored. */
  readonly ownIgnored: number;
  /**
   * How old the newest event of the last batch received was when it arrived
   * (ms, by the writer's HLC and this node's wall clock, so clock skew shows in it;
   * republished events after a reconnect count too); 0 before any.
   */
  readonly lagMs: number;
}
