/**
 * `MerkleKVClient`: a typed async method per protocol command over one
 * pipelining, reconnecting {@link Connection}. Calls never wait for each other:
 * issue many at once and the replies are matched in order.
 */
import type tls from 'node:tls';
import type { Command, PathSet, TreePath, WireStamp, WireVersion } from '@merklekv/protocol';
import { authHandshake } from './auth.js';
import { exponentialBackoff } from './backoff.js';
import type { RetryStrategy } from './backoff.js';
import { rawSpec, specs } from './commands.js';
import type { CommandSpec, Entries } from './commands.js';
import { Connection } from './connection.js';
import type { RawReply } from './connection.js';
import { Pipeline } from './pipeline.js';
import type { ChildCount, InfoSections, LeafEntry, Page, TreeRoot } from './replies.js';

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 7878 */
  readonly port?: number;
  /** Connect with TLS using these options (`host`/`port` are taken from above). @default plain TCP */
  readonly tls?: tls.ConnectionOptions;
  /** Milliseconds to wait for a reply, and for one connect attempt; 0 waits forever. @default 10000 */
  readonly timeoutMs?: number;
  /**
   * Reconnect policy: given the number of failed connect attempts so far, the
   * ms to wait before the next one, or `null` to give up (the waiting requests
   * then reject with `ConnectionError`).
   * @default exponentialBackoff() — 50 ms doubling to 2 s, 10 attempts
   */
  readonly retry?: RetryStrategy;
  /** Sent as `AUTH [user] password` on every (re)connect, before any request. @default no AUTH */
  readonly password?: string;
  /** The user of `password` (`[security.users]`); without it, the node's shared password. */
  readonly user?: string;
  /**
   * The cluster secret: on every (re)connect, authenticate as a cluster peer
   * (for the tree and repair commands) and check the node holds the same secret.
   * @default no peer handshake
   */
  readonly peerSecret?: string;
}

/** Options of {@link MerkleKVClient.scan}. */
export interface ScanOptions {
  /** Keys per SCAN round trip (the server caps it at 1000). @default 100 */
  readonly count?: number;
}

/** A MerkleKV client. Create one with {@link createClient}. */
export class MerkleKVClient {
  private readonly conn: Connection;

  constructor(opts: ClientOptions = {}) {
    const host = opts.host ?? '127.0.0.1';
    const port = opts.port ?? 7878;
    this.conn = new Connection({
      host,
      port,
      tls: opts.tls,
      timeoutMs: opts.timeoutMs ?? 10_000,
      retry: opts.retry ?? exponentialBackoff(),
      handshake: authHandshake(`${host}:${port}`, opts),
    });
  }

  /** `host:port` of the node. */
  get address(): string {
    return this.conn.address;
  }

  /** Reply bytes received so far (over every connection). */
  get bytesRead(): number {
    return this.conn.bytesRead;
  }

  /** Request bytes sent so far (over every connection). */
  get bytesWritten(): number {
    return this.conn.bytesWritten;
  }

  /** Requests sent and not yet answered. */
  get pending(): number {
    return this.conn.pending;
  }

  /** True while a connection to the node is open (false before the first command and after a lost connection, until the next command reconnects). */
  get connected(): boolean {
    return this.conn.connected;
  }

  /** @internal Sends a prepared command; used by the pipeline too. */
  run<T>(spec: CommandSpec<T>): Promise<T> {
    return this.conn.send(spec.line, spec.multiLine).then(spec.parse);
  }

  /** Builds a command (which may throw on an invalid argument) and sends it; a throw becomes a rejection. */
  private call<T>(build: () => CommandSpec<T>): Promise<T> {
    let spec: CommandSpec<T>;
    try {
      spec = build();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.run(spec);
  }

  /** Opens the connection now (instead of on the first command) and checks the node answers. */
  async connect(): Promise<void> {
    await this.ping();
  }

  /** Stores `value` (any string: quoting is done here) under `key`. */
  set(key: string, value: string): Promise<'OK'> {
    return this.call(() => specs.set(key, value));
  }

  /** The value of `key`, or `null` when it does not exist. */
  get(key: string): Promise<string | null> {
    return this.call(() => specs.get(key));
  }

  /** Deletes `key`; true when a live key was deleted. */
  del(key: string): Promise<boolean> {
    return this.call(() => specs.del(key));
  }

  /** Deletes several keys at once (`DEL k1 k2 ...`); resolves to how many were live. */
  delMany(...keys: [string, ...string[]]): Promise<number> {
    return this.call(() => specs.delMany(keys));
  }

  /** Adds `by` (default 1) to the integer at `key` (a missing key counts from 0). */
  incr(key: string, by?: bigint | number): Promise<bigint> {
    return this.call(() => specs.incr(key, by));
  }

  /** Subtracts `by` (default 1) from the integer at `key`. */
  decr(key: string, by?: bigint | number): Promise<bigint> {
    return this.call(() => specs.decr(key, by));
  }

  /** Appends `value`; resolves to the new value. */
  append(key: string, value: string): Promise<string> {
    return this.call(() => specs.append(key, value));
  }

  /** Prepends `value`; resolves to the new value. */
  prepend(key: string, value: string): Promise<string> {
    return this.call(() => specs.prepend(key, value));
  }

  /** The server's version line, e.g. `MerkleKV 1.0.0`. */
  version(): Promise<string> {
    return this.call(() => specs.version());
  }

  /** `INFO`, by section: `(await info())['Server Information'].node_id`. */
  info(): Promise<InfoSections> {
    return this.call(() => specs.info());
  }

  /** Deletes every key, cluster-wide. */
  flush(): Promise<'OK'> {
    return this.call(() => specs.flush());
  }

  /** Asks the node to stop gracefully. */
  shutdown(): Promise<'OK'> {
    return this.call(() => specs.shutdown());
  }

  /** `PONG`, or `message` echoed. */
  ping(message?: string): Promise<string> {
    return this.call(() => specs.ping(message));
  }

  /** `message`, echoed. */
  echo(message: string): Promise<string> {
    return this.call(() => specs.echo(message));
  }

  /** Sets `key` to `value` expiring in `seconds` (a positive integer). */
  setex(key: string, seconds: number, value: string): Promise<'OK'> {
    return this.call(() => specs.setex(key, seconds, value));
  }

  /** Sets `key` to `value` expiring in `ms` milliseconds (a positive integer). */
  psetex(key: string, ms: number, value: string): Promise<'OK'> {
    return this.call(() => specs.psetex(key, ms, value));
  }

  /** Makes `key` expire in `seconds` (0 or less deletes it); false if there is no such key. */
  expire(key: string, seconds: number): Promise<boolean> {
    return this.call(() => specs.expire(key, seconds));
  }

  /** Makes `key` expire in `ms` milliseconds; false if there is no such key. */
  pexpire(key: string, ms: number): Promise<boolean> {
    return this.call(() => specs.pexpire(key, ms));
  }

  /** Makes `key` expire at a unix time in seconds; false if there is no such key. */
  expireat(key: string, unixSeconds: number): Promise<boolean> {
    return this.call(() => specs.expireat(key, unixSeconds));
  }

  /** Makes `key` expire at a unix time in ms; false if there is no such key. */
  pexpireat(key: string, unixMs: number): Promise<boolean> {
    return this.call(() => specs.pexpireat(key, unixMs));
  }

  /** Seconds `key` has left (rounded), -1 if it has no expiry, -2 if there is no such key. */
  ttl(key: string): Promise<number> {
    return this.call(() => specs.ttl(key));
  }

  /** Milliseconds `key` has left, -1 if it has no expiry, -2 if there is no such key. */
  pttl(key: string): Promise<number> {
    return this.call(() => specs.pttl(key));
  }

  /** Removes the expiry of `key`; false if it had none or there is no such key. */
  persist(key: string): Promise<boolean> {
    return this.call(() => specs.persist(key));
  }

  /** How many of `keys` exist. */
  exists(...keys: string[]): Promise<number> {
    return this.call(() => specs.exists(keys));
  }

  /** The values of `keys`, `null` for missing ones. */
  mget(...keys: string[]): Promise<(string | null)[]> {
    return this.call(() => specs.mget(keys));
  }

  /** Sets several keys in one request. */
  mset(entries: Entries): Promise<'OK'> {
    return this.call(() => specs.mset(entries));
  }

  /** One SCAN round trip: up to `count` live keys starting with `prefix` (`*` = all) after `cursor`. */
  scanPage(prefix: string, cursor?: string, count?: number): Promise<Page<[string, string]>> {
    return this.call(() => specs.scanPage(prefix, cursor, count));
  }

  /** Every live `[key, value]` whose key starts with `prefix` (`*` = every key), in key order, page by page. */
  async *scan(prefix: string, opts: ScanOptions = {}): AsyncIterableIterator<[string, string]> {
    let cursor: string | undefined;
    do {
      const page = await this.scanPage(prefix, cursor, opts.count);
      yield* page.entries;
      cursor = page.cursor;
    } while (cursor !== undefined);
  }

  /** The number of live keys. */
  dbsize(): Promise<number> {
    return this.call(() => specs.dbsize());
  }

  /** The node's counters. */
  stats(): Promise<Record<string, string>> {
    return this.call(() => specs.stats());
  }

  /** The Merkle root: hex hash, key count and tree shape id. */
  hash(): Promise<TreeRoot> {
    return this.call(() => specs.hash());
  }

  /** The hex hashes of the children of the tree node at `path` (`[]` = root). */
  tree(path: TreePath): Promise<string[]> {
    return this.call(() => specs.tree(path));
  }

  /** One page of the leaf bucket at `path`. */
  leaf(path: TreePath, cursor?: string): Promise<Page<LeafEntry>> {
    return this.call(() => specs.leaf(path, cursor));
  }

  /** Every entry of the leaf bucket at `path`, page by page. */
  async *leafEntries(path: TreePath): AsyncIterableIterator<LeafEntry> {
    let cursor: string | undefined;
    do {
      const page = await this.leaf(path, cursor);
      yield* page.entries;
      cursor = page.cursor;
    } while (cursor !== undefined);
  }

  /** The stored versions of `keys` (tombstones included), `null` for keys never seen. */
  getv(keys: readonly string[]): Promise<(WireVersion | null)[]> {
    return this.call(() => specs.getv(keys));
  }

  /** Merges a version through last-writer-wins. */
  putv(version: WireVersion): Promise<'APPLIED' | 'STALE'> {
    return this.call(() => specs.putv(version));
  }

  /** Runs one anti-entropy session with `peer` (`host:port`); resolves to the `OK round_trips=...` line. */
  sync(peer: string): Promise<string> {
    return this.call(() => specs.sync(peer));
  }

  /** Peer protocol 2: the highest peer protocol version the node speaks up to `version` (`PEERV`). */
  peerv(version: number): Promise<number> {
    return this.call(() => specs.peerv(version));
  }

  /** Peer protocol 2: the children of each tree node in `paths`, counts beside hashes truncated to `width` bytes (`TREES`). */
  trees(width: number, paths: readonly TreePath[]): Promise<ChildCount[][]> {
    return this.call(() => specs.trees(width, paths));
  }

  /** Peer protocol 2: the `key digest` entries under `paths`, digests truncated to `width` bytes (`ENTRIES`). */
  entries(width: number, paths: readonly TreePath[]): Promise<LeafEntry[]> {
    return this.call(() => specs.entries(width, paths));
  }

  /** Peer protocol 3: the children of every node of `sets`, packed, as the one base64url line of the `PTREES` reply (unpack it with `unpackChildren`). */
  ptrees(width: number, sets: readonly PathSet[]): Promise<string> {
    return this.call(() => specs.ptrees(width, sets));
  }

  /** Peer protocol 3: the `key digest` entries under the buckets of `sets`, digests (hex here) truncated to `width` bytes (`PENTRIES`). */
  pentries(width: number, sets: readonly PathSet[]): Promise<LeafEntry[]> {
    return this.call(() => specs.pentries(width, sets));
  }

  /** Peer protocol 2: every record (tombstones included) under `paths`, in bucket order (`RECORDS`). */
  records(paths: readonly TreePath[]): Promise<WireVersion[]> {
    return this.call(() => specs.records(paths));
  }

  /** Peer protocol 2: every record's version without its value (`key ts node deleted`) under `paths` (`STAMPS`). */
  stamps(paths: readonly TreePath[]): Promise<WireStamp[]> {
    return this.call(() => specs.stamps(paths));
  }

  /** Peer protocol 2: merges many versions through last-writer-wins in one request (`PUTVS`). */
  putvs(versions: readonly WireVersion[]): Promise<{ applied: number; stale: number }> {
    return this.call(() => specs.putvs(versions));
  }

  /** Sends any command and resolves with its raw reply (a line, or the lines up to and including `END`). */
  send(cmd: Command): Promise<RawReply> {
    return this.call(() => rawSpec(cmd));
  }

  /** Starts a batch: queue commands, then `exec()` writes them together and collects every outcome. */
  pipeline(): Pipeline<[]> {
    return new Pipeline(this, []);
  }

  /** Waits for every request in flight, then closes the connection. Later calls reject with `CLIENT_CLOSED`. */
  close(): Promise<void> {
    return this.conn.close();
  }

  /** Drops the connection now and closes the client; requests in flight reject with `ConnectionClosedError`. */
  destroy(): void {
    this.conn.destroy();
  }
}

/** Creates a client. It connects on the first command (or {@link MerkleKVClient.connect}). */
export function createClient(opts: ClientOptions = {}): MerkleKVClient {
  return new MerkleKVClient(opts);
}
