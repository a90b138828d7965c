/**
 * The Store: the authoritative in-memory index of a node (a Map of versioned records and the
 * Merkle tree over them), written behind to a {@link StorageEngine}.
 *
 * Every change — a local write, a merged remote version, FLUSH, tombstone collection, load —
 * goes through the one private `commit`, which updates the Map, the tree (old digest → new
 * digest), the memory estimate, the scan index, the engine and the subscribers together, so no
 * path can leave the tree behind the data.
 *
 * Write cost. The tree is kept up to date on every write, in bounded work: the new version's
 * digest (MurmurHash3 over key, value, ts and node, ~0.3 µs), XORed into its leaf bucket with the
 * old version's digest XORed out (the digest of what the tree holds is kept per record, so an
 * overwrite hashes once), and at most `depth` dirty marks on the bucket's path; internal nodes
 * are rehashed when the tree is read (O(dirty nodes), a few ms at most for the 65,536-bucket
 * default shape). An earlier version deferred the digests to the next read of the tree; with a
 * large keyspace every write paid for them anyway, plus the notes, and a fold of 65,536 keys at
 * once stalled a client for tens of milliseconds (DESIGN.md §8: no background work may).
 *
 * Records are slots in a {@link RecordSlab} (columns, no object per record); `slots` maps a key
 * to its slot. Versions are handed out as fresh objects (`getVersion`, change events).
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
import { MemoryEngine } from './memory-engine.js';
import { MemoryBudget } from './memory-estimate.js';
import { ownCopy } from './own-copy.js';
import { assertValidVersion, makeRecord } from './record.js';
import type { VersionedRecord } from './record.js';
import { DELETED, RecordSlab } from './record-slab.js';
import { ScanIndex } from './scan-index.js';
import type { ChangeEvent, ChangeOrigin, ClockSkewEvent, ScanPage, StoreOptions } from './store-types.js';

/** What caused a commit: a replicated origin, or a silent one (not published, for load also not persisted). */
type Cause = ChangeOrigin | 'load' | 'gc';

/** Compares strings by UTF-16 code units (the LWW order's tie-breaker, as in lww.ts). */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The versioned key-value store of one node. */
export class Store {
  readonly #tree: MerkleTree;
  readonly nodeId: string;
  readonly clock: HybridClock;
  readonly engine: StorageEngine;
  /** Key → its slot in `slab` (every record held, tombstones included). */
  private readonly slots = new Map<string, number>();
  private readonly slab = new RecordSlab();
  /** Scratch for the digests handed to the tree (it copies nothing: it XORs them in). */
  private readonly oldDigest = new Uint8Array(DIGEST_BYTES);
  private readonly newDigest = new Uint8Array(DIGEST_BYTES);
  private readonly index = new ScanIndex((k) => this.slots.has(k), () => this.slots.keys());
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
    this.remote = localTree(this.#tree, (k) => this.digestOf(k));
  }

  /** The Merkle tree over every record, tombstones included, up to date. */
  get tree(): MerkleTree {
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
        this.loadRecord(key, value, ts, node, deleted);
        if (ts > maxTs) maxTs = ts;
        count++;
      });
    } else {
      for await (const [key, r] of engine.load()) {
        this.loadRecord(key, r.value, r.ts, r.node, r.deleted);
        if (r.ts > maxTs) maxTs = r.ts;
        count++;
      }
    }
    // Internal nodes are hashed once, here, rather than left for the first read.
    this.#tree.rootHash();
    if (count > 0) this.clock.observe(maxTs);
    return { records: count, ms: performance.now() - start };
  }

  /** The live value of `key` (undefined if missing or deleted). */
  get(key: string): string | undefined {
    const slot = this.slots.get(key);
    return slot === undefined || (this.slab.flags[slot] as number) & DELETED ? undefined : this.slab.values[slot];
  }

  /** The version held for `key`, tombstones included (a fresh object). */
  getVersion(key: string): VersionedRecord | undefined {
    const slot = this.slots.get(key);
    return slot === undefined ? undefined : this.versionAt(slot);
  }

  /** Every record held, tombstones included, in insertion order (a live view: do not write while iterating). */
  *versions(): IterableIterator<[string, VersionedRecord]> {
    for (const [key, slot] of this.slots) yield [key, this.versionAt(slot)];
  }

  /** True if `key` holds a live value. */
  exists(key: string): boolean {
    const slot = this.slots.get(key);
    return slot !== undefined && ((this.slab.flags[slot] as number) & DELETED) === 0;
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
    for (const [key, value] of finals) delta += this.budget.growth(key, this.heldValue(this.slots.get(key)), value);
    this.budget.ensureRoom(delta);
    for (const [key, value] of finals) this.writeStamped(key, value, false);
  }

  /** Tombstones every live key (FLUSH, replicated cluster-wide). @returns how many keys were deleted. */
  flush(): number {
    this.engine.admit?.();
    let n = 0;
    const live: string[] = [];
    for (const [key, slot] of this.slots) if (((this.slab.flags[slot] as number) & DELETED) === 0) live.push(key);
    for (const key of live) {
      this.writeStamped(key, '', true);
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
    const slot = this.slots.get(key);
    if (slot !== undefined && this.compareWithHeld(version, slot) <= 0) return 'stale';
    const record = makeRecord(version.value, version.ts, this.nodes.intern(version.node), version.deleted);
    // Tombstones are always accepted (deletes keep working when full); they are collected after the grace.
    if (!record.deleted) this.budget.ensureRoom(this.budget.growth(key, this.heldValue(slot), record.value));
    this.engine.admit?.();
    this.commit(key, slot, record, 'remote');
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
    const doomed: Array<[string, number]> = [];
    const { flags, ts } = this.slab;
    for (const [key, slot] of this.slots) if ((flags[slot] as number) & DELETED && (ts[slot] as number) < olderThanTs) doomed.push([key, slot]);
    for (const [key, slot] of doomed) this.commit(key, slot, undefined, 'gc');
    return doomed.length;
  }

  /** Live keys. */
  get size(): number {
    return this.liveCount;
  }

  /** Records held, tombstones included (= tree.size). */
  get recordCount(): number {
    return this.slots.size;
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
    const slot = this.slots.get(key);
    return slot === undefined ? undefined : this.slab.digestInto(slot, new Uint8Array(DIGEST_BYTES));
  }

  /** The entries of the leaf bucket at `path`, sorted by key. */
  leafEntries(path: TreePath): LeafEntry[] {
    const entries: LeafEntry[] = [];
    for (const key of [...this.tree.leafKeys(path)].sort()) {
      const slot = this.slots.get(key);
      if (slot !== undefined) entries.push({ key, digest: toHex(this.slab.digestInto(slot, this.oldDigest)) });
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
  private loadRecord(key: string, value: string, ts: number, node: string, deleted: boolean): void {
    const slot = this.slots.get(key);
    if (slot !== undefined && this.compareWithHeld({ value, ts, node, deleted }, slot) <= 0) return;
    this.commit(key, slot, makeRecord(value, ts, this.nodes.intern(node), deleted), 'load');
  }

  private writeLocal(key: string, value: string, deleted: boolean): VersionedRecord {
    const slot = this.slots.get(key);
    if (!deleted) this.budget.ensureRoom(this.budget.growth(key, this.heldValue(slot), value));
    this.engine.admit?.();
    return this.writeAt(key, slot, value, deleted);
  }

  /** A local write, budget already checked. */
  private writeStamped(key: string, value: string, deleted: boolean): VersionedRecord {
    return this.writeAt(key, this.slots.get(key), value, deleted);
  }

  /** Stamps a local version of `key` above the one held at `slot`, whatever the clock says, and commits it. */
  private writeAt(key: string, slot: number | undefined, value: string, deleted: boolean): VersionedRecord {
    const now = this.clock.now();
    const held = slot === undefined ? -1 : (this.slab.ts[slot] as number);
    // Its own copy: a value parsed from a request would otherwise keep the whole request line alive.
    const record = makeRecord(deleted ? '' : ownCopy(value), held >= now ? held + 1 : now, this.nodeId, deleted);
    this.commit(key, slot, record, 'local');
    return record;
  }

  /** The value held at `slot` for the memory estimate (undefined: no record). */
  private heldValue(slot: number | undefined): string | undefined {
    return slot === undefined ? undefined : this.slab.values[slot];
  }

  /** The version at `slot` as an object. */
  private versionAt(slot: number): VersionedRecord {
    const { slab } = this;
    return makeRecord(slab.values[slot] as string, slab.ts[slot] as number, slab.nodes[slot] as string, ((slab.flags[slot] as number) & DELETED) !== 0);
  }

  /** {@link compareVersions}(v, the version held at `slot`), without making an object of the latter. */
  private compareWithHeld(v: VersionedRecord, slot: number): number {
    const { slab } = this;
    const ts = slab.ts[slot] as number;
    if (v.ts !== ts) return v.ts < ts ? -1 : 1;
    const byNode = compareStrings(v.node, slab.nodes[slot] as string);
    if (byNode !== 0) return byNode;
    const deleted = ((slab.flags[slot] as number) & DELETED) !== 0;
    if (v.deleted !== deleted) return v.deleted ? 1 : -1;
    return compareStrings(v.value, slab.values[slot] as string);
  }

  /**
   * The one place a record changes (see the comment at the top of this file): `slot` is where
   * `key` is held (undefined: not held), `next` the version replacing it (undefined: remove it).
   */
  private commit(key: string, slot: number | undefined, next: VersionedRecord | undefined, cause: Cause): void {
    if (slot === undefined && next === undefined) return;
    const { slab } = this;
    const tree = this.#tree;
    const prevValue = slot === undefined ? undefined : (slab.values[slot] as string);
    const prevLive = slot !== undefined && ((slab.flags[slot] as number) & DELETED) === 0;
    if (next === undefined) {
      const held = slot as number;
      tree.update(key, slab.digestInto(held, this.oldDigest), null);
      slab.release(held);
      this.slots.delete(key);
      this.index.keyRemoved();
    } else {
      const digest = versionDigestInto(this.newDigest, key, next.value, next.ts, next.node, next.deleted);
      let at: number;
      if (slot === undefined) {
        at = slab.allocate();
        tree.update(key, null, digest);
        this.slots.set(key, at);
        this.index.keyAdded(key);
      } else {
        at = slot;
        // The tree holds `key` under the digest kept at its slot, so an overwrite skips the presence check.
        tree.replace(key, slab.digestInto(at, this.oldDigest), digest);
      }
      slab.setDigest(at, digest);
      slab.values[at] = next.value;
      slab.nodes[at] = next.node;
      slab.ts[at] = next.ts;
      slab.flags[at] = next.deleted ? DELETED : 0;
    }
    this.budget.change(key, prevValue, next?.value);
    this.liveCount += (next !== undefined && !next.deleted ? 1 : 0) - (prevLive ? 1 : 0);
    if (cause === 'load') return;
    if (next === undefined) this.engine.remove(key);
    else this.engine.put(key, next);
    if (cause === 'gc' || next === undefined || this.listeners.size === 0) return;
    for (const listener of this.listeners) listener({ key, record: next, origin: cause });
  }
}
