/** Options of a session (`runSession`); every one has a default. */
export interface SessionOptions {
  /** Protocol 1: keys per `getVersions` call. Protocol 2: keys per GETV request, all pipelined. @default 1000 */
  readonly readBatch?: number;
  /** Protocol 1: versions per `putVersions` call. @default 1000 */
  readonly writeBatch?: number;
  /** Aborts the session between steps (it then rejects with code `ABORTED`). */
  readonly signal?: AbortSignal;
  /** Clock for `ms`. @default performance.now */
  readonly now?: () => number;
  /** The highest peer protocol to use (1 forces the old walk; 2 the text TREES/ENTRIES). @default 3 */
  readonly maxProtocol?: 1 | 2 | 3;
  /** Protocol 2: bytes of each child hash and entry digest on the wire (1..16). @default 3 */
  readonly hashWidth?: number;
  /** Protocol 2: a node with at most this many keys on the peer is answered with entries, not children. @default 16 */
  readonly smallThreshold?: number;
  /** Protocol 2: records per RECORDS request (a frame of the bulk transfer). @default 16384 */
  readonly frameRecords?: number;
  /** Protocol 2: RECORDS requests in flight at once (the flow-control window). @default 8 */
  readonly window?: number;
  /** Protocol 2: `bulk` streams every record without walking; `tree` never streams more than one-sided subtrees. @default `auto` */
  readonly path?: 'auto' | 'tree' | 'bulk';
  /** Protocol 2: largest PUTVS request line, in bytes (below the peer's line limit). @default 524288 */
  readonly pushLineBytes?: number;
}
