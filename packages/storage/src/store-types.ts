import type { TreeShape } from '@merklekv/merkle';
import type { StorageEngine } from './engine.js';
import type { HybridClock } from './hlc.js';
import type { VersionedRecord } from './record.js';

/** Where a change came from: this node's clients, or another node (replication, anti-entropy). */
export type ChangeOrigin = 'local' | 'remote';

/** A change of one key, as subscribers see it. */
export interface ChangeEvent {
  readonly key: string;
  readonly record: VersionedRecord;
  readonly origin: ChangeOrigin;
}

/** A remote ts more than `maxOffsetMs` ahead of the local clock (DESIGN.md §5). */
export interface ClockSkewEvent {
  readonly key: string;
  /** The node that wrote the version (the peer whose clock runs ahead). */
  readonly node: string;
  readonly ts: number;
  /** How far the remote ts is ahead of the local wall clock, in ms. */
  readonly skewMs: number;
}

/** Options of {@link Store}. */
export interface StoreOptions {
  /** This node's id, stamped on every local write. */
  readonly nodeId: string;
  /** @default new HybridClock() */
  readonly clock?: HybridClock;
  /** @default new MemoryEngine() */
  readonly engine?: StorageEngine;
  /** Writes that would take the memory estimate past this fail with STORAGE_FULL. @default Infinity */
  readonly memoryLimitBytes?: number;
  /** The Merkle tree shape, identical on every node. @default DEFAULT_SHAPE */
  readonly shape?: TreeShape;
  /** Called when a merged version's ts was clamped by the clock's maximum offset (log and count it). */
  readonly onClockSkew?: (e: ClockSkewEvent) => void;
}

/** A scan page: entries in key order, and the cursor to pass back when more remain. */
export interface ScanPage {
  readonly entries: [string, string][];
  readonly cursor: string | undefined;
}
