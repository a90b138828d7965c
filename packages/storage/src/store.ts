/**
 * The Store: the authoritative in-memory index of a node (a Map of versioned records and the
 * Merkle tree over them), written behind to a {@link StorageEngine}.
 *
 * Every change — a local write, a merged remote version, FLUSH, tombstone collection, load —
 * goes through the one private `commit`, which updates the Map, the tree (old digest → new
 * digest), the memory estimate, the scan index, the engine and the subscribers together, so no
 * path can leave the tree behind the data.
 *
 * Write cost. The tree is brought up to date when it is read, not on every write: `commit`
 * notes, the first time a key changes after the tree was last read, the version the tree holds
 * for it (`pending`), and reading the tree (`tree`, `digestOf`, `leafEntries`, `remoteTree`)
 * first folds every pending key in — one version digest (MurmurHash3, cached on the record) and
 * one tree update per key. So a write costs a Map lookup, and a key written many times between
 * two reads of the tree (anti-entropy reads it every interval) is hashed once. Pending keys are
 * also folded in once PENDING_LIMIT of them accumulate, which bounds the work a read can find
 * waiting and the memory the notes take. The cached digest costs 32 B per record.
 *
 * Every write (local or merged) first asks the engine to admit it: while the engine's queue of
 * unwritten changes is at its bound, it throws StorageError UNAVAILABLE and nothing changes.
 */
import { DEFAULT_SHAPE, DIGEST_BYTES, MerkleTree, localTree, toHex, versionDigestInto } from '@merklekv/merkle';
import type { LeafEntry, RemoteTree, TreePath } from '@merklekv/merkle';
import type { StorageEngine } from './engine.js';
import { StorageError, StorageErrorCode } from './errors.js';
import { HybridClock } from './hlc.js';
import { addInt64, parseInt64 } from './integer.js';
import { Interner } from './intern.js';
import { compareVersions } from './lww.js';
import { MemoryEngine } from './memory-engine.js';
import { MemoryBudget } from './memory-estimate.js';
import { assertValidVersion, isLive, makeStored } from './record.js';
import type { StoredVersion, VersionedRecord } from './record.js';
import { ScanIndex } from './scan-index.js';
import type { ChangeEvent, ChangeOrigin, ClockSkewEvent, ScanPage, StoreOptions } from './store-types.js';

/** What caused a commit: a replicated origin, or a silent one (not published, for load also not persisted). */
type Cause = ChangeOrigin | 'load' | 'gc';

/** The versioned key-value store of one node. */
/** Keys whose tree entry may wait to be folded in before it is brought up to date anyway. */
const PENDING_LIMIT = 65_536;

export class Store {
  readonly #tree: MerkleTree;
  /** Keys changed since the tree was last brought up to date → the version the tree holds (undefined: none). */
  private readonly pending = new Map<string, StoredVersion | undefined>();
  readonly nodeId: string;
  readonly clock: HybridClock;
  readonly engine: StorageEngine;
  /** Every record is a StoredVersion holding its digest under its key (see record.ts). */
  private readonly records = new Map<string, StoredVersion>();
  /** Scratch for the digests handed to the tree (it copies nothing: it XORs them in). */
  private readonly oldDigest = new Uint8Array(DIGEST_BYTES);
  private readonly newDigest = new Uint8Array(DIGEST_BYTES);
  private readonly index = new ScanIndex((k) => this.records.has(k), () => this.records.keys());
  private readonly listeners = new Set<(e: ChangeEvent) => void>();
  private readonly nodes = new Interner();
  private readonly onClockSkew: ((e: ClockSkewEvent) => void) | undefined;
  private readonly remote: RemoteTree;
  private liveCount = 0;
  private readonly budget: MemoryBudget;
  private skewEvents = 0;
  private maxSkewMs = 0;

  constructor(opts: StoreOptions) {
    if (opts.nodeId === '') throw new StorageError(StorageErrorCode.INVALID_ARGUMENT, 'nodeId must not be empty');
    this.nodeId = this.nodes.intern(opts.nodeId);
    this.clock = opts.clock ?? new HybridClock();
    this.engine = opts.engine ?? new MemoryEngine();
    this.budget = new MemoryBudget(opts.memoryLimitBytes ?? Number.POSITIVE_INFINITY);
    this.#tree = new MerkleTree(opts.shape ?? DEFAULT_SHAPE);
    this.onClockSkew = opts.onClockSkew;
    const local = localTree(this.#tree, (k) => this.digestOf(k));
    this.remote = {
      root: () => (this.foldPending(), local.root()),
      children: (path) => (this.foldPending(), local.children(path)),
      leaf: (path) => (this.foldPending(), local.leaf(path)),
    };
  }

  /** The Merkle tree over every record, tombstones included, up to date. */
  get tree(): MerkleTree {
    this.foldPending();
    return this.#tree;
  }

  /**
   * Opens the engine and loads its records (the tree is built once, in O(n)). Call once, before use.
   * Uses the engine's bulk {@link StorageEngine.loadEach} when it has one (no promise per record).
   */
  async load(): Promise<{ records: number; ms: number }> {
    const start = performance.now();
    await this.engine.open();
    let count = 0;
    let maxTs = 0;
    const engine = this.engine;
    if (engine.loadEach !== undefined) {
      await engine.loadEach((key, value, ts, node, deleted) => {
        this.loadRecord(key, makeStored(value, ts, this.nodes.intern(node), deleted));
        if (ts > maxTs) maxTs = ts;
        count++;
      });
    } else {
      for await (const [key, r] of engine.load()) {
        this.loadRecord(key, makeStored(r.value, r.ts, this.nodes.intern(r.node), r.deleted));
        if (r.ts > maxTs) maxTs = r.ts;
        count++;
      }
    }
    // The tree is built once, here, rather than left for the first read.
    this.foldPending();
    if (count > 0) this.clock.observe(maxTs);
    return { records: count, ms: performance.now() - start };
  }

  /** The live value of `key` (undefined if missing or deleted). */
  get(key: string): string | undefined {
    const r = this.records.get(key);
    return r === undefined || r.deleted ? undefined : r.value;
  }

  /** The version held for `key`, tombstones included. */
  getVersion(key: string): VersionedRecord | undefined {
    return this.records.get(key);
  }

  /** Every record held, tombstones included, in insertion order (a live view: do not write while iterating). */
  versions(): IterableIterator<[string, VersionedRecord]> {
    return this.records.entries();
  }

  /** True if `key` holds a live value. */
  exists(key: string): boolean {
    return isLive(this.records.get(key));
  }

  /** Sets `key`. @throws StorageError STORAGE_FULL */
  set(key: string, value: string): VersionedRecord {
    return this.writeLocal(key, value, false);
  }

  /** Deletes `key` by writing a tombstone. @returns true if a live key was deleted (nothing is written otherwise). */
  delete(key: string): boolean {
    if (!this.exists(key)) return false;
    this.writeLocal(key, '', true);
    return true;
  }

  /**
   * Adds `delta` to the integer in `key` (a missing key counts from 0) and returns the result.
   * @throws StorageError NOT_AN_INTEGER, INTEGER_OVERFLOW, INVALID_ARGUMENT, STORAGE_FULL (nothing changes)
   */
  incrBy(key: string, delta: bigint): bigint {
    const current = this.get(key);
    const next = addInt64(current === undefined ? 0n : parseInt64(key, current), delta);
    this.writeLocal(key, next.toString(), false);
    return next;
  }

  /** Appends `suffix` to `key` (a missing key starts empty); returns the new value. @throws StorageError STORAGE_FULL */
  append(key: string, suffix: string): string {
    return this.writeLocal(key, (this.get(key) ?? '') + suffix, false).value;
  }

  /** Prepends `prefix` to `key` (a missing key starts empty); returns the new value. @throws StorageError STORAGE_FULL */
  prepend(key: string, prefix: string): string {
    return this.writeLocal(key, prefix + (this.get(key) ?? ''), false).value;
  }

  /** Sets every entry (a repeated key: the last wins), or none if they would not fit. @throws StorageError STORAGE_FULL */
  mset(entries: ReadonlyArray<readonly [string, string]>): void {
    this.engine.admit?.();
    const finals = new Map<string, string>(entries);
    let delta = 0;
    for (const [key, value] of finals) delta += this.budget.growth(key, this.records.get(key), value);
    this.budget.ensureRoom(delta);
    for (const [key, value] of finals) this.commit(key, this.stamp(key, value, false), 'local');
  }

  /** Tombstones every live key (FLUSH, replicated cluster-wide). @returns how many keys were deleted. */
  flush(): number {
    this.engine.admit?.();
    let n = 0;
    for (const [key, r] of this.records) {
      if (r.deleted) continue;
      this.commit(key, this.stamp(key, '', true), 'local');
      n++;
    }
    return n;
  }

  /**
   * Merges a version from another node (LWW) and advances the clock past its ts.
   * @returns 'applied' if it won and is now held, 'stale' if the held version wins or equals it.
   * @throws StorageError INVALID_VERSION, STORAGE_FULL (a live value that would not fit; nothing changes)
   */
  merge(key: string, version: VersionedRecord): 'applied' | 'stale' {
    assertValidVersion(key, version);
    const seen = this.clock.observe(version.ts);
    if (seen.clamped) {
      this.skewEvents++;
      this.onClockSkew?.({ key, node: version.node, ts: version.ts, skewMs: seen.skewMs });
    }
    if (seen.skewMs > this.maxSkewMs) this.maxSkewMs = seen.skewMs;
    const current = this.records.get(key);
    if (current !== undefined && compareVersions(version, current) <= 0) return 'stale';
    const record = makeStored(version.value, version.ts, this.nodes.intern(version.node), version.deleted);
    // Tombstones are always accepted (deletes keep working when full); they are collected after the grace.
    if (!record.deleted) this.budget.ensureRoom(this.budget.growth(key, current, record.value));
    this.engine.admit?.();
    this.commit(key, record, 'remote');
    return 'applied';
  }

  /**
   * Live keys starting with `prefix` (`*` or '' = every key), in key order, strictly after `after`,
   * at most `count` of them; `cursor` is the last key returned when more remain.
   * @throws StorageError INVALID_ARGUMENT if count is not a positive integer
   */
  scan(prefix: string, after: string | undefined, count: number): ScanPage {
    if (!Number.isInteger(count) || count < 1) {
      throw new StorageError(StorageErrorCode.INVALID_ARGUMENT, `scan count must be a positive integer, got ${count}`);
    }
    return this.index.page(prefix === '*' ? '' : prefix, after, count, (k) => this.get(k));
  }

  /** Removes tombstones with `ts < olderThanTs` entirely (record and tree entry). @returns how many. */
  collectTombstones(olderThanTs: number): number {
    let n = 0;
    for (const [key, r] of this.records) {
      if (r.deleted && r.ts < olderThanTs) {
        this.commit(key, undefined, 'gc');
        n++;
      }
    }
    return n;
  }

  /** Live keys. */
  get size(): number {
    return this.liveCount;
  }

  /** Records held, tombstones included (= tree.size). */
  get recordCount(): number {
    return this.records.size;
  }

  /** The estimated heap the records take, in bytes (see memory-estimate.ts). */
  get memoryBytes(): number {
    return this.budget.bytes;
  }

  /** The limit on {@link memoryBytes} (`memory_limit_mb`; Infinity = none). */
  get memoryLimitBytes(): number {
    return this.budget.limit;
  }

  /** Changes the limit (a configuration reload); data already held is kept even if it is over it. */
  set memoryLimitBytes(bytes: number) {
    if (!(bytes > 0)) throw new StorageError(StorageErrorCode.INVALID_ARGUMENT, `memory limit must be a positive number of bytes, got ${bytes}`);
    this.budget.limit = bytes;
  }

  /** How many merged versions were more than the clock's maximum offset ahead. */
  get clockSkewEvents(): number {
    return this.skewEvents;
  }

  /** The largest amount (ms) by which a merged version's ts was ahead of the local wall clock (0: never ahead). */
  get clockSkewMaxMs(): number {
    return this.maxSkewMs;
  }

  /** The digest of the version held for `key` (what the tree holds for it). */
  digestOf(key: string): Uint8Array | undefined {
    this.foldPending();
    const r = this.records.get(key);
    return r === undefined ? undefined : r.digestInto(new Uint8Array(DIGEST_BYTES));
  }

  /** The entries of the leaf bucket at `path`, sorted by key. */
  leafEntries(path: TreePath): LeafEntry[] {
    const entries: LeafEntry[] = [];
    for (const key of [...this.tree.leafKeys(path)].sort()) {
      const r = this.records.get(key);
      if (r !== undefined) entries.push({ key, digest: toHex(r.digestInto(this.oldDigest)) });
    }
    return entries;
  }

  /** This store's tree as the port the diff driver walks. */
  remoteTree(): RemoteTree {
    return this.remote;
  }

  /** Registers a listener for every local and remote change; returns the unsubscribe function. */
  subscribe(listener: (e: ChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Resolves when every change so far is durable in the engine. */
  durable(): Promise<void> {
    return this.engine.flush();
  }

  /**
   * Flushes and closes the engine (released even when the last flush fails).
   * @throws StorageError UNAVAILABLE when changes could not be written
   */
  async close(): Promise<void> {
    await this.engine.close();
  }

  /** Takes one loaded record if it wins over any held for `key` (so a load is idempotent). */
  private loadRecord(key: string, r: StoredVersion): void {
    const current = this.records.get(key);
    if (current === undefined || compareVersions(r, current) > 0) this.commit(key, r, 'load', current);
  }

  private writeLocal(key: string, value: string, deleted: boolean): VersionedRecord {
    const current = this.records.get(key);
    if (!deleted) this.budget.ensureRoom(this.budget.growth(key, current, value));
    this.engine.admit?.();
    const record = this.stamp(key, value, deleted, current);
    this.commit(key, record, 'local', current);
    return record;
  }

  /** A local version of `key`, stamped above the one it replaces whatever the clock says. */
  private stamp(key: string, value: string, deleted: boolean, current = this.records.get(key)): StoredVersion {
    const now = this.clock.now();
    const ts = current !== undefined && current.ts >= now ? current.ts + 1 : now;
    return makeStored(value, ts, this.nodeId, deleted);
  }

  /**
   * The one place a record changes (see the comment at the top of this file). `held`: the record
   * held for `key` (undefined: none), or null (the default) to look it up — so a caller that passes
   * an explicit undefined saves the second Map lookup a default parameter would make.
   */
  private commit(key: string, next: StoredVersion | undefined, cause: Cause, held: StoredVersion | undefined | null = null): void {
    const prev = held === null ? this.records.get(key) : held;
    if (prev === undefined && next === undefined) return;
    // The tree catches up when it is read (see the top of this file): note what it holds now.
    if (!this.pending.has(key)) this.pending.set(key, prev);
    if (next === undefined) {
      this.records.delete(key);
      this.index.keyRemoved();
    } else {
      this.records.set(key, next);
      if (prev === undefined) this.index.keyAdded(key);
    }
    this.budget.change(key, prev, next);
    this.liveCount += (isLive(next) ? 1 : 0) - (isLive(prev) ? 1 : 0);
    this.notePending();
    if (cause === 'load') return;
    if (next === undefined) this.engine.remove(key);
    else this.engine.put(key, next);
    if (cause === 'gc' || next === undefined || this.listeners.size === 0) return;
    for (const listener of this.listeners) listener({ key, record: next, origin: cause });
  }

  /** Once a commit is over: fold pending keys in when too many wait. */
  private notePending(): void {
    if (this.pending.size >= PENDING_LIMIT) this.foldPending();
  }

  /** Brings the tree up to date: each pending key's old digest out, its current one in. */
  private foldPending(): void {
    if (this.pending.size === 0) return;
    const tree = this.#tree;
    for (const [key, inTree] of this.pending) {
      const now = this.records.get(key);
      if (now === inTree) continue;
      let newDigest: Uint8Array | null = null;
      if (now !== undefined) {
        newDigest = versionDigestInto(this.newDigest, key, now.value, now.ts, now.node, now.deleted);
        now.setDigest(newDigest);
      }
      // The tree holds `key` exactly when `inTree` is defined, so an overwrite skips its presence check.
      if (inTree !== undefined && newDigest !== null) tree.replace(key, inTree.digestInto(this.oldDigest), newDigest);
      else tree.update(key, inTree === undefined ? null : inTree.digestInto(this.oldDigest), newDigest);
    }
    this.pending.clear();
  }
}
