/**
 * The explicit batch API. Queue commands on a `Pipeline`, then `exec()` writes
 * them back to back (one TCP write) and resolves with one outcome per command,
 * in order, typed per position:
 *
 * ```ts
 * const [a, b] = await client.pipeline().set('k', 'v').get('k').exec();
 * if (b.ok) b.value; // string | null
 * ```
 *
 * A failed command does not stop the others; its outcome carries the error.
 */
import type { Command, TreePath, WireVersion } from '@merklekv/protocol';
import { rawSpec, specs } from './commands.js';
import type { CommandSpec, Entries } from './commands.js';
import type { RawReply } from './connection.js';
import type { ClientError } from './errors.js';
import type { InfoSections, LeafEntry, Page, TreeRoot } from './replies.js';

/** The outcome of one pipelined command. */
export type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ClientError };

/** The outcomes of a pipeline, one per queued command, typed per position. */
export type PipelineResult<T extends unknown[]> = { [K in keyof T]: Settled<T[K]> };

/** What a pipeline needs from the client: a way to send one prepared command. */
export interface CommandRunner {
  run<T>(spec: CommandSpec<T>): Promise<T>;
}

/** A batch of queued commands; see the file comment. */
export class Pipeline<T extends unknown[]> {
  private readonly runner: CommandRunner;
  private readonly queued: CommandSpec<unknown>[];

  /** @internal use `client.pipeline()` */
  constructor(runner: CommandRunner, queued: CommandSpec<unknown>[]) {
    this.runner = runner;
    this.queued = queued;
  }

  /** Commands queued so far. */
  get length(): number {
    return this.queued.length;
  }

  private add<R>(spec: CommandSpec<R>): Pipeline<[...T, R]> {
    this.queued.push(spec);
    // The same object, now typed with one more outcome.
    return this as unknown as Pipeline<[...T, R]>;
  }

  set(key: string, value: string): Pipeline<[...T, 'OK']> {
    return this.add(specs.set(key, value));
  }
  get(key: string): Pipeline<[...T, string | null]> {
    return this.add(specs.get(key));
  }
  del(key: string): Pipeline<[...T, boolean]> {
    return this.add(specs.del(key));
  }
  incr(key: string, by?: bigint | number): Pipeline<[...T, bigint]> {
    return this.add(specs.incr(key, by));
  }
  decr(key: string, by?: bigint | number): Pipeline<[...T, bigint]> {
    return this.add(specs.decr(key, by));
  }
  append(key: string, value: string): Pipeline<[...T, string]> {
    return this.add(specs.append(key, value));
  }
  prepend(key: string, value: string): Pipeline<[...T, string]> {
    return this.add(specs.prepend(key, value));
  }
  version(): Pipeline<[...T, string]> {
    return this.add(specs.version());
  }
  info(): Pipeline<[...T, InfoSections]> {
    return this.add(specs.info());
  }
  flush(): Pipeline<[...T, 'OK']> {
    return this.add(specs.flush());
  }
  ping(message?: string): Pipeline<[...T, string]> {
    return this.add(specs.ping(message));
  }
  echo(message: string): Pipeline<[...T, string]> {
    return this.add(specs.echo(message));
  }
  setex(key: string, seconds: number, value: string): Pipeline<[...T, 'OK']> {
    return this.add(specs.setex(key, seconds, value));
  }
  psetex(key: string, ms: number, value: string): Pipeline<[...T, 'OK']> {
    return this.add(specs.psetex(key, ms, value));
  }
  expire(key: string, seconds: number): Pipeline<[...T, boolean]> {
    return this.add(specs.expire(key, seconds));
  }
  pexpire(key: string, ms: number): Pipeline<[...T, boolean]> {
    return this.add(specs.pexpire(key, ms));
  }
  expireat(key: string, unixSeconds: number): Pipeline<[...T, boolean]> {
    return this.add(specs.expireat(key, unixSeconds));
  }
  pexpireat(key: string, unixMs: number): Pipeline<[...T, boolean]> {
    return this.add(specs.pexpireat(key, unixMs));
  }
  ttl(key: string): Pipeline<[...T, number]> {
    return this.add(specs.ttl(key));
  }
  pttl(key: string): Pipeline<[...T, number]> {
    return this.add(specs.pttl(key));
  }
  persist(key: string): Pipeline<[...T, boolean]> {
    return this.add(specs.persist(key));
  }
  exists(...keys: string[]): Pipeline<[...T, number]> {
    return this.add(specs.exists(keys));
  }
  mget(...keys: string[]): Pipeline<[...T, (string | null)[]]> {
    return this.add(specs.mget(keys));
  }
  mset(entries: Entries): Pipeline<[...T, 'OK']> {
    return this.add(specs.mset(entries));
  }
  scanPage(prefix: string, cursor?: string, count?: number): Pipeline<[...T, Page<[string, string]>]> {
    return this.add(specs.scanPage(prefix, cursor, count));
  }
  dbsize(): Pipeline<[...T, number]> {
    return this.add(specs.dbsize());
  }
  stats(): Pipeline<[...T, Record<string, string>]> {
    return this.add(specs.stats());
  }
  hash(): Pipeline<[...T, TreeRoot]> {
    return this.add(specs.hash());
  }
  tree(path: TreePath): Pipeline<[...T, string[]]> {
    return this.add(specs.tree(path));
  }
  leaf(path: TreePath, cursor?: string): Pipeline<[...T, Page<LeafEntry>]> {
    return this.add(specs.leaf(path, cursor));
  }
  getv(keys: readonly string[]): Pipeline<[...T, (WireVersion | null)[]]> {
    return this.add(specs.getv(keys));
  }
  putv(version: WireVersion): Pipeline<[...T, 'APPLIED' | 'STALE']> {
    return this.add(specs.putv(version));
  }
  send(cmd: Command): Pipeline<[...T, RawReply]> {
    return this.add(rawSpec(cmd));
  }

  /** Sends every queued command at once and resolves with their outcomes, in order. Never rejects. */
  async exec(): Promise<PipelineResult<T>> {
    const sent = this.queued.splice(0).map((spec) => this.runner.run(spec));
    const settled = await Promise.allSettled(sent);
    return settled.map((s) =>
      s.status === 'fulfilled' ? { ok: true, value: s.value } : { ok: false, error: s.reason as ClientError },
    ) as PipelineResult<T>;
  }
}
