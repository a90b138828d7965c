/**
 * One builder per protocol command: the request line to write, whether the
 * reply spans several lines, and how to parse it. The client and the pipeline
 * share these, so a command is described exactly once.
 */
import { encodeCommand, isMultiLineReply } from '@merklekv/protocol';
import type { Command, PathSet, TreePath, WireVersion } from '@merklekv/protocol';
import type { RawReply } from './connection.js';
import {
  parseBigInt,
  parseCount,
  parseDeleted,
  parseExact,
  parseFlag,
  parseInteger,
  parseGetv,
  parseHash,
  parseInfo,
  parseLeafPage,
  parseMget,
  parsePutv,
  parseScanPage,
  parseStats,
  parseString,
  parseTree,
  parsePtrees,
  parsePentries,
  parseValue,
  parseEntries,
  parsePeerv,
  parsePutvs,
  parseRecords,
  parseStamps,
  parseTrees,
} from './replies.js';
import type { ChildCount, InfoSections, LeafEntry, Page, TreeRoot } from './replies.js';

/** A request ready to send, with the parser of its reply. */
export interface CommandSpec<T> {
  /** The command name, for error messages. */
  readonly name: string;
  /** The encoded request line, ending in `\r\n`. */
  readonly line: string;
  readonly multiLine: boolean;
  readonly parse: (reply: RawReply) => T;
}

/** Key/value pairs for MSET: an iterable of pairs or a plain object. */
export type Entries = Iterable<readonly [string, string]> | Readonly<Record<string, string>>;

function spec<T>(cmd: Command, parse: (reply: RawReply) => T): CommandSpec<T> {
  return { name: cmd.type, line: encodeCommand(cmd), multiLine: isMultiLineReply(cmd.type), parse };
}

function toBigInt(by: bigint | number): bigint {
  return typeof by === 'bigint' ? by : BigInt(by);
}

function toPairs(entries: Entries): (readonly [string, string])[] {
  if (Symbol.iterator in entries) return [...(entries as Iterable<readonly [string, string]>)];
  return Object.entries(entries);
}

/** The raw-reply form of any command (for `send`). */
export function rawSpec(cmd: Command): CommandSpec<RawReply> {
  return spec(cmd, (reply) => reply);
}

/** Builders for every command, by client method name. */
export const specs = {
  set: (key: string, value: string) => spec({ type: 'SET', key, value }, parseExact('SET', 'OK')),
  get: (key: string) => spec({ type: 'GET', key }, parseValue('GET')),
  setex: (key: string, seconds: number, value: string) => spec({ type: 'SETEX', key, ttl: seconds, value }, parseExact('SETEX', 'OK')),
  psetex: (key: string, ms: number, value: string) => spec({ type: 'PSETEX', key, ttl: ms, value }, parseExact('PSETEX', 'OK')),
  expire: (key: string, seconds: number) => spec({ type: 'EXPIRE', key, time: seconds }, parseFlag('EXPIRE')),
  pexpire: (key: string, ms: number) => spec({ type: 'PEXPIRE', key, time: ms }, parseFlag('PEXPIRE')),
  expireat: (key: string, unixSeconds: number) => spec({ type: 'EXPIREAT', key, time: unixSeconds }, parseFlag('EXPIREAT')),
  pexpireat: (key: string, unixMs: number) => spec({ type: 'PEXPIREAT', key, time: unixMs }, parseFlag('PEXPIREAT')),
  ttl: (key: string) => spec({ type: 'TTL', key }, parseInteger('TTL')),
  pttl: (key: string) => spec({ type: 'PTTL', key }, parseInteger('PTTL')),
  persist: (key: string) => spec({ type: 'PERSIST', key }, parseFlag('PERSIST')),
  del: (key: string) => spec({ type: 'DEL', key }, parseDeleted),
  delMany: (keys: readonly [string, ...string[]]) => spec({ type: 'DEL', key: keys[0], keys }, parseCount('DEL')),
  incr: (key: string, by: bigint | number = 1n) => spec({ type: 'INCR', key, amount: toBigInt(by) }, parseBigInt('INCR')),
  decr: (key: string, by: bigint | number = 1n) => spec({ type: 'DECR', key, amount: toBigInt(by) }, parseBigInt('DECR')),
  append: (key: string, value: string) => spec({ type: 'APPEND', key, value }, parseString('APPEND')),
  prepend: (key: string, value: string) => spec({ type: 'PREPEND', key, value }, parseString('PREPEND')),
  version: () => spec({ type: 'VERSION' }, parseString('VERSION')),
  info: (): CommandSpec<InfoSections> => spec({ type: 'INFO' }, parseInfo),
  flush: () => spec({ type: 'FLUSH' }, parseExact('FLUSH', 'OK')),
  shutdown: () => spec({ type: 'SHUTDOWN' }, parseExact('SHUTDOWN', 'OK')),
  ping: (message?: string) =>
    spec(message === undefined ? { type: 'PING' } : { type: 'PING', message }, parseString('PING')),
  echo: (message: string) => spec({ type: 'ECHO', message }, parseString('ECHO')),
  exists: (keys: readonly string[]) => spec({ type: 'EXISTS', keys }, parseCount('EXISTS')),
  mget: (keys: readonly string[]) => spec({ type: 'MGET', keys }, parseMget),
  mset: (entries: Entries) => spec({ type: 'MSET', entries: toPairs(entries) }, parseExact('MSET', 'OK')),
  scanPage: (prefix: string, cursor?: string, count?: number): CommandSpec<Page<[string, string]>> =>
    spec(
      // `*` and `''` both mean every key; the encoder takes `''` for that.
      { type: 'SCAN', prefix: prefix === '*' ? '' : prefix, ...(cursor === undefined ? {} : { cursor }), ...(count === undefined ? {} : { count }) },
      parseScanPage,
    ),
  dbsize: () => spec({ type: 'DBSIZE' }, parseCount('DBSIZE')),
  stats: () => spec({ type: 'STATS' }, parseStats),
  hash: (): CommandSpec<TreeRoot> => spec({ type: 'HASH' }, parseHash),
  tree: (path: TreePath) => spec({ type: 'TREE', path }, parseTree),
  leaf: (path: TreePath, cursor?: string): CommandSpec<Page<LeafEntry>> =>
    spec({ type: 'LEAF', path, ...(cursor === undefined ? {} : { cursor }) }, parseLeafPage),
  getv: (keys: readonly string[]) => spec({ type: 'GETV', keys }, parseGetv),
  putv: (version: WireVersion) => spec({ type: 'PUTV', version }, parsePutv),
  sync: (peer: string) => spec({ type: 'SYNC', peer }, parseString('SYNC')),
  peerv: (version: number) => spec({ type: 'PEERV', version }, parsePeerv),
  trees: (width: number, paths: readonly TreePath[]): CommandSpec<ChildCount[][]> => spec({ type: 'TREES', width, paths }, parseTrees),
  entries: (width: number, paths: readonly TreePath[]) => spec({ type: 'ENTRIES', width, paths }, parseEntries),
  ptrees: (width: number, sets: readonly PathSet[]) => spec({ type: 'PTREES', width, sets }, parsePtrees),
  pentries: (width: number, sets: readonly PathSet[]) => spec({ type: 'PENTRIES', width, sets }, parsePentries),
  records: (paths: readonly TreePath[]) => spec({ type: 'RECORDS', paths }, parseRecords),
  stamps: (paths: readonly TreePath[]) => spec({ type: 'STAMPS', paths }, parseStamps),
  putvs: (versions: readonly WireVersion[]) => spec({ type: 'PUTVS', versions }, parsePutvs),
} as const;
