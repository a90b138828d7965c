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
import { HLC_LOGICAL_PER_MS, HybridClock } from './hlc.js';
import { addInt64, parseInt64 } from './integer.js';
import { MemoryEngine } from './memory-engine.js';
import { MemoryBudget } from './memory-estimate.js';
import { NodeTable } from './node-table.js';
import { ExpiryHeap } from './expiry-heap.js';
import { ownCopy } from './own-copy.js';
import { assertValidVersion, makeRecord } from './record.js';
import type { VersionedRecord } from './record.js';
import { DELETED, RecordSlab } from './record-slab.js';
import { ScanIndex } from './scan-index.js';
import type { ChangeEvent, ChangeOrigin, ClockSkewEvent, ScanPage, StoreOptions } from './store-types.js';

/**
 * What caused a commit: a replicated origin, or a silent one (not published; for load also not
 * persisted). 'expire' is a record turning into its expiry tombstone: every replica does that
 * itself, so it is persisted but never sent.
 */
type Cause = ChangeOrigin | 'load' | 'gc' | 'expire';

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
  /** The node ids records hold, as the numbers in the slab's `nodes` column. */
  private readonly nodeTable = new NodeTable();
  private readonly onClockSkew: ((e: ClockSkewEvent) => void) | undefined;
  private readonly remote: RemoteTree;
  private liveCount = 0;
  /** Live records with an expiry, by expireAt (the active sweep pops its top). */
  private readonly expiring = new ExpiryHeap();
  private expiredCount = 0;
  private readonly budget: MemoryBudget;
  private skewEvents = 0;
  private maxSkewMs = 0;

  constructor(opts: StoreOptions) {
    if (opts.nodeId === '') throw new StorageError(StorageErrorCode.INVALID_ARGUMENT, 'nodeId must not be empty');
    this.nodeId = opts.nodeId;
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
      await engine.loadEach((key, value, ts, node, deleted, expireAt) => {
        this.loadRecord(key, value, ts, node, deleted, expireAt ?? 0);
        if (ts > maxTs) maxTs = ts;
        count++;
      });
    } else {
      for await (const [key, r] of engine.load()) {
        this.loadRecord(key, r.value, r.ts, r.node, r.deleted, r.expireAt ?? 0);
        if (r.ts > maxTs) maxTs = r.ts;
        count++;
      }
    }
    // Internal nodes are hashed once, here, rather than left for the first read.
    this.#tree.rootHash();
    if (count > 0) this.clock.observe(maxTs);
    return { records: count, ms: performance.now() - start };
  }

  /** The live value of `key` (undefined if missing, deleted or expired). */
  get(key: string): string | undefined {
    const slot = this.liveSlot(key);
    return slot < 0 ? undefined : this.slab.values.get(slot);
  }

  /**
   * Copies the live value of `key` into `target` at `offset` as its Latin-1 bytes (one per
   * character), without making a string of it: for a reply written as bytes. Lazy expiry applies
   * as in {@link get}.
   * @returns the number of bytes copied (0: an empty value); {@link Store.MISSING} (-1) when `key`
   *   holds no live value (as get's undefined); {@link Store.NOT_COPIED} (-2), copying nothing, when
   *   the value is not held as bytes (a character above 0xFF, or longer than 4096) or does not fit
   *   in `target` from `offset`: read it with {@link get}.
   */
  copyValue(key: string, target: Uint8Array, offset: number): number {
    const slot = this.liveSlot(key);
    if (slot < 0) return Store.MISSING;
    const n = this.slab.values.copyTo(slot, target, offset);
    return n < 0 ? Store.NOT_COPIED : n;
  }

  /** {@link copyValue}: `key` holds no live value. */
  static readonly MISSING = -1;
  /** {@link copyValue}: the value was not copied; read it with {@link get}. */
  static readonly NOT_COPIED = -2;

  /** The version held for `key`, tombstones included (a fresh object; an expired record as its expiry tombstone). */
  getVersion(key: string): VersionedRecord | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    this.expireIfDue(key, slot);
    return this.versionAt(slot);
  }

  /**
   * The expiry of `key`: its `expireAt` in ms, 0 if it has none, undefined if it holds no live
   * value (missing, deleted or expired). TTL = expireAt - {@link nowMs}.
   */
  expireAtOf(key: string): number | undefined {
    const slot = this.liveSlot(key);
    return slot < 0 ? undefined : (this.slab.expireAt[slot] as number);
  }

  /** The time expiry is judged against: the physical part of this node's clock, in ms. */
  nowMs(): number {
    return this.clock.physicalMs();
  }

  /** Every record held, tombstones included, in insertion order (a live view: do not write while iterating). */
  *versions(): IterableIterator<[string, VersionedRecord]> {
    for (const [key, slot] of this.slots) yield [key, this.versionAt(slot)];
  }

  /** True if `key` holds a live (not deleted, not expired) value. */
  exists(key: string): boolean {
    return this.liveSlot(key) >= 0;
  }

  /**
   * Sets `key`, replacing any expiry with `expireAt` (absolute ms; 0 = none, as SET does). An
   * `expireAt` already past writes the key's expiry tombstone (the key is gone at once).
   * @throws StorageError STORAGE_FULL, INVALID_ARGUMENT (a bad expireAt)
   */
  set(key: string, value: string, expireAt = 0): VersionedRecord {
    if (expireAt !== 0) checkExpireAt(expireAt);
    return this.writeLocal(key, value, false, expireAt);
  }

  /**
   * Sets the expiry of a live `key` to `expireAt` (absolute ms) with a new version (a write,
   * replicated and merged by LWW). A time already past deletes the key (its expiry tombstone).
   * @returns false, writing nothing, if `key` holds no live value.
   * @throws StorageError INVALID_ARGUMENT (expireAt not a positive safe integer)
   */
  expire(key: string, expireAt: number): boolean {
    checkExpireAt(expireAt);
    const slot = this.liveSlot(key);
    if (slot < 0) return false;
    this.writeAt(key, slot, this.slab.values.get(slot), false, expireAt);
    return true;
  }

  /**
   * Removes the expiry of a live `key` with a new version (a write, replicated and merged by LWW).
   * @returns false, writing nothing, if `key` holds no live value or has no expiry.
   */
  persist(key: string): boolean {
    const slot = this.liveSlot(key);
    if (slot < 0 || this.slab.expireAt[slot] === 0) return false;
    this.writeAt(key, slot, this.slab.values.get(slot), false, 0);
    return true;
  }

  /** Deletes `key` by writing a tombstone. @returns true if a live key was deleted (nothing is written otherwise). */
  delete(key: string): boolean {
    if (!this.exists(key)) return false;
    this.writeLocal(key, '', true, 0);
    return true;
  }

  /**
   * Adds `delta` to the integer in `key` (a missing key counts from 0) and returns the result.
   * @throws StorageError NOT_AN_INTEGER, INTEGER_OVERFLOW, INVALID_ARGUMENT, STORAGE_FULL (nothing changes)
   */
  incrBy(key: string, delta: bigint): bigint {
    const current = this.get(key);
    const next = addInt64(current === undefined ? 0n : parseInt64(key, current), delta);
    this.writeLocal(key, next.toString(), false, this.keptExpiry(key));
    return next;
  }

  /** Appends `suffix` to `key` (a missing key starts empty; an expiry is kept); returns the new value. @throws StorageError STORAGE_FULL */
  append(key: string, suffix: string): string {
    return this.writeLocal(key, (this.get(key) ?? '') + suffix, false, this.keptExpiry(key)).value;
  }

  /** Prepends `prefix` to `key` (a missing key starts empty; an expiry is kept); returns the new value. @throws StorageError STORAGE_FULL */
  prepend(key: string, prefix: string): string {
    return this.writeLocal(key, prefix + (this.get(key) ?? ''), false, this.keptExpiry(key)).value;
  }

  /** Sets every entry (a repeated key: the last wins), or none if they would not fit. @throws StorageError STORAGE_FULL */
  mset(entries: ReadonlyArray<readonly [string, string]>): void {
    this.engine.admit?.();
    const finals = new Map<string, string>(entries);
    let delta = 0;
    for (const [key, value] of finals) delta += this.budget.growth(key, this.heldValue(this.slots.get(key)), value);
    this.budget.ensureRoom(delta);
    for (const [key, value] of finals) this.writeStamped(key, value, false, 0);
  }

  /** Tombstones every live key (FLUSH, replicated cluster-wide). @returns how many keys were deleted. */
  flush(): number {
    this.engine.admit?.();
    let n = 0;
    const live: string[] = [];
    for (const [key, slot] of this.slots) if (((this.slab.flags[slot] as number) & DELETED) === 0) live.push(key);
    for (const key of live) {
      // An expired key is not counted (it was already gone); it still gets FLUSH's tombstone.
      if (this.exists(key)) n++;
      this.writeStamped(key, '', true, 0);
    }
    return n;
  }

  /**
   * Merges a version from another node (LWW) and advances the clock past its ts. A live version
   * already past its expireAt is taken as its expiry tombstone (see record.ts `expiredForm`).
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
    const expireAt = version.expireAt ?? 0;
    const expired = !version.deleted && expireAt !== 0 && expireAt <= this.clock.physicalMs();
    const slot = this.slots.get(key);
    const record = expired
      ? makeRecord('', version.ts, version.node, true, expireAt)
      : makeRecord(version.value, version.ts, version.node, version.deleted, expireAt);
    if (slot !== undefined && this.compareWithHeld(record, slot) <= 0) return 'stale';
    // Tombstones are always accepted (deletes keep working when full); they are collected after the grace.
    if (!record.deleted) this.budget.admit(key, this.heldValue(slot), record.value);
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

  /**
   * Removes tombstones with `ts < olderThanTs` entirely (record and tree entry). An expiry
   * tombstone counts from its expiry instead (it also needs `packTs(expireAt) < olderThanTs`):
   * it keeps the grace from the moment the key was gone, not from its last write.
   * @returns how many.
   */
  collectTombstones(olderThanTs: number): number {
    const doomed: Array<[string, number]> = [];
    const { flags, ts, expireAt } = this.slab;
    for (const [key, slot] of this.slots) {
      if (((flags[slot] as number) & DELETED) === 0 || (ts[slot] as number) >= olderThanTs) continue;
      const e = expireAt[slot] as number;
      if (e === 0 || e * HLC_LOGICAL_PER_MS < olderThanTs) doomed.push([key, slot]);
    }
    for (const [key, slot] of doomed) this.commit(key, slot, undefined, 'gc');
    return doomed.length;
  }

  /** Live keys (keys past their expiry not counted, swept or not). */
  get size(): number {
    return this.liveCount - this.expiring.countDue(this.clock.physicalMs());
  }

  /** Live keys with an expiry (those past it and not yet swept included). */
  get keysWithExpiry(): number {
    return this.expiring.size;
  }

  /** Records turned into expiry tombstones on this node since start (by the sweep, on access, or on arrival). */
  get expiredTotal(): number {
    return this.expiredCount;
  }

  /**
   * One step of the active expiry: turns at most `maxKeys` records past their expiry into their
   * expiry tombstones, earliest first (no scan: the expiring keys are kept in expiry order).
   * @returns how many were expired, and whether more are due.
   */
  sweepExpired(maxKeys: number): { expired: number; more: boolean } {
    const now = this.clock.physicalMs();
    const heap = this.expiring;
    let n = 0;
    while (n < maxKeys && heap.peekAt() <= now) {
      this.expireSlot(heap.peekKey(), heap.peekSlot());
      n++;
    }
    return { expired: n, more: heap.peekAt() <= now };
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

  /**
   * Takes one loaded record if it wins over any held for `key` (so a load is idempotent). A record
   * that expired while the node was down is taken as its expiry tombstone.
   */
  private loadRecord(key: string, value: string, ts: number, node: string, deleted: boolean, expireAt: number): void {
    const slot = this.slots.get(key);
    const expired = !deleted && expireAt !== 0 && expireAt <= this.clock.physicalMs();
    const record = expired ? makeRecord('', ts, node, true, expireAt) : makeRecord(value, ts, node, deleted, expireAt);
    if (slot !== undefined && this.compareWithHeld(record, slot) <= 0) return;
    this.commit(key, slot, record, 'load');
  }

  private writeLocal(key: string, value: string, deleted: boolean, expireAt: number): VersionedRecord {
    const slot = this.slots.get(key);
    if (!deleted) this.budget.admit(key, this.heldValue(slot), value);
    this.engine.admit?.();
    return this.writeAt(key, slot, value, deleted, expireAt);
  }

  /** A local write, budget already checked. */
  private writeStamped(key: string, value: string, deleted: boolean, expireAt: number): VersionedRecord {
    return this.writeAt(key, this.slots.get(key), value, deleted, expireAt);
  }

  /**
   * Stamps a local version of `key` above the one held at `slot`, whatever the clock says, and
   * commits it; a live version whose `expireAt` is already past is committed as its expiry tombstone.
   */
  private writeAt(key: string, slot: number | undefined, value: string, deleted: boolean, expireAt: number): VersionedRecord {
    const now = this.clock.now();
    const held = slot === undefined ? -1 : (this.slab.ts[slot] as number);
    const ts = held >= now ? held + 1 : now;
    const expired = !deleted && expireAt !== 0 && expireAt <= this.clock.physicalMs();
    // The slab keeps its own copy of the value (value-arena.ts). The version handed to listeners and
    // to an engine that queues it gets one too: a value parsed from a request would otherwise keep
    // the whole request line alive for as long as they hold it. Nobody else holds it for long.
    const retained = this.listeners.size > 0 || !(this.engine instanceof MemoryEngine);
    const record = expired || deleted ? makeRecord('', ts, this.nodeId, true, expired ? expireAt : 0) : makeRecord(retained ? ownCopy(value) : value, ts, this.nodeId, false, expireAt);
    this.commit(key, slot, record, 'local');
    return record;
  }

  /** The slot of `key` if it holds a live value, else -1; a record found past its expiry is expired now (lazy expiry). */
  private liveSlot(key: string): number {
    const slot = this.slots.get(key);
    if (slot === undefined) return -1;
    const slab = this.slab;
    if ((slab.flags[slot] as number) & DELETED) return -1;
    const e = slab.expireAt[slot] as number;
    if (e !== 0 && e <= this.clock.physicalMs()) {
      this.expireSlot(key, slot);
      return -1;
    }
    return slot;
  }

  /** Expires the record at `slot` if it is live and past its expiry. */
  private expireIfDue(key: string, slot: number): void {
    const slab = this.slab;
    const e = slab.expireAt[slot] as number;
    if (e !== 0 && ((slab.flags[slot] as number) & DELETED) === 0 && e <= this.clock.physicalMs()) this.expireSlot(key, slot);
  }

  /** Replaces the live record at `slot` by its expiry tombstone (same ts, node and expireAt; record.ts `expiredForm`). */
  private expireSlot(key: string, slot: number): void {
    const slab = this.slab;
    this.expiredCount++;
    this.commit(key, slot, makeRecord('', slab.ts[slot] as number, this.nodeTable.name(slab.nodes[slot] as number), true, slab.expireAt[slot] as number), 'expire');
  }

  /** The expiry an update of `key` keeps (INCR, APPEND...): the live record's, or 0. */
  private keptExpiry(key: string): number {
    const slot = this.liveSlot(key);
    return slot < 0 ? 0 : (this.slab.expireAt[slot] as number);
  }

  /** The length of the value held at `slot`, for the memory estimate (undefined: no record). */
  private heldValue(slot: number | undefined): number | undefined {
    return slot === undefined ? undefined : this.slab.values.length(slot);
  }

  /** The version at `slot` as an object. */
  private versionAt(slot: number): VersionedRecord {
    const { slab } = this;
    return makeRecord(
      slab.values.get(slot),
      slab.ts[slot] as number,
      this.nodeTable.name(slab.nodes[slot] as number),
      ((slab.flags[slot] as number) & DELETED) !== 0,
      slab.expireAt[slot] as number,
    );
  }

  /** {@link compareVersions}(v, the version held at `slot`), without making an object of the latter. */
  private compareWithHeld(v: VersionedRecord, slot: number): number {
    const { slab } = this;
    const ts = slab.ts[slot] as number;
    if (v.ts !== ts) return v.ts < ts ? -1 : 1;
    const byNode = compareStrings(v.node, this.nodeTable.name(slab.nodes[slot] as number));
    if (byNode !== 0) return byNode;
    const deleted = ((slab.flags[slot] as number) & DELETED) !== 0;
    if (v.deleted !== deleted) return v.deleted ? 1 : -1;
    const byValue = compareStrings(v.value, slab.values.get(slot));
    if (byValue !== 0) return byValue;
    const mine = v.expireAt ?? 0;
    const held = slab.expireAt[slot] as number;
    return mine === held ? 0 : mine < held ? -1 : 1;
  }

  /**
   * The one place a record changes (see the comment at the top of this file): `slot` is where
   * `key` is held (undefined: not held), `next` the version replacing it (undefined: remove it).
   */
  private commit(key: string, slot: number | undefined, next: VersionedRecord | undefined, cause: Cause): void {
    if (slot === undefined && next === undefined) return;
    const { slab } = this;
    const tree = this.#tree;
    const prevLength = slot === undefined ? undefined : slab.values.length(slot);
    const prevLive = slot !== undefined && ((slab.flags[slot] as number) & DELETED) === 0;
    if (next === undefined) {
      const held = slot as number;
      tree.update(key, slab.digestInto(held, this.oldDigest), null);
      this.expiring.remove(held);
      this.nodeTable.release(slab.nodes[held] as number);
      slab.release(held);
      this.slots.delete(key);
      this.index.keyRemoved();
    } else {
      const expireAt = next.expireAt ?? 0;
      const digest = versionDigestInto(this.newDigest, key, next.value, next.ts, next.node, next.deleted, expireAt);
      const node = this.nodeTable.acquire(next.node);
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
        this.nodeTable.release(slab.nodes[at] as number);
      }
      slab.setDigest(at, digest);
      slab.values.set(at, next.value);
      slab.nodes[at] = node;
      slab.ts[at] = next.ts;
      slab.flags[at] = next.deleted ? DELETED : 0;
      slab.setExpireAt(at, expireAt);
      if (expireAt !== 0 && !next.deleted) this.expiring.set(at, key, expireAt);
      else if (slot !== undefined) this.expiring.remove(at);
    }
    this.budget.change(key, prevLength, next?.value.length);
    this.liveCount += (next !== undefined && !next.deleted ? 1 : 0) - (prevLive ? 1 : 0);
    if (cause === 'load') return;
    if (next === undefined) this.engine.remove(key);
    else this.engine.put(key, next);
    if (cause === 'gc' || cause === 'expire' || next === undefined || this.listeners.size === 0) return;
    for (const listener of this.listeners) listener({ key, record: next, origin: cause });
  }
}

/** @throws StorageError INVALID_ARGUMENT unless `expireAt` is a positive safe integer (ms). */
function checkExpireAt(expireAt: number): void {
  if (!Number.isSafeInteger(expireAt) || expireAt <= 0) {
    throw new StorageError(StorageErrorCode.INVALID_ARGUMENT, `expiry must be a positive integer time in ms, got ${expireAt}`);
  }
}
