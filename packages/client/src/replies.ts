/**
 * Reply parsers: one raw reply (a line, or the lines of a multi-line reply
 * including its `END` line) in, a typed result out. Pure; a reply of the wrong
 * shape throws `UnexpectedReplyError`.
 */
import { decodeGetvLine, decodeStamp, decodeValue, decodeVersionLine, fromBase64Url, parseEndLine, parseTreesLine } from '@merklekv/protocol';
import type { WireStamp, WireVersion } from '@merklekv/protocol';
import type { RawReply } from './connection.js';
import { UnexpectedReplyError } from './errors.js';

/** The root of a node's Merkle tree, as `HASH` reports it. */
export interface TreeRoot {
  readonly root: string;
  readonly count: number;
  readonly shape: string;
}

/** One key of a leaf bucket with the hex digest of its version. */
export interface LeafEntry {
  readonly key: string;
  readonly digest: string;
}

/** One page of a cursor-driven reply (SCAN, LEAF). `cursor` is set when more remain. */
export interface Page<T> {
  readonly entries: T[];
  readonly cursor?: string;
}

/** `INFO` as sections: `{ 'Server Information': { version: '1.0.0', ... }, ... }`. */
export type InfoSections = Record<string, Record<string, string>>;

function line(command: string, reply: RawReply): string {
  if (typeof reply !== 'string') throw new UnexpectedReplyError(command, reply.join('\n'));
  return reply;
}

function lines(command: string, reply: RawReply): { body: string[]; cursor: string | undefined } {
  if (typeof reply === 'string') throw new UnexpectedReplyError(command, reply);
  const end = parseEndLine(reply[reply.length - 1] ?? '');
  if (end === undefined) throw new UnexpectedReplyError(command, reply.join('\n'));
  return { body: reply.slice(0, -1), cursor: end.cursor };
}

/** Expects exactly `expected` (e.g. `OK`). */
export function parseExact<T extends string>(command: string, expected: T): (reply: RawReply) => T {
  return (reply) => {
    if (line(command, reply) !== expected) throw new UnexpectedReplyError(command, line(command, reply));
    return expected;
  };
}

/** A value reply: the value (unquoted when quoted) or `null` for `(null)`. */
export function parseValue(command: string): (reply: RawReply) => string | null {
  return (reply) => {
    const text = line(command, reply);
    return text === '(null)' ? null : decodeValue(text);
  };
}

/** A value reply that is never `(null)` (APPEND, PREPEND, ECHO, PING). */
export function parseString(command: string): (reply: RawReply) => string {
  return (reply) => decodeValue(line(command, reply));
}

/** A 64-bit signed integer reply (INCR, DECR). */
export function parseBigInt(command: string): (reply: RawReply) => bigint {
  return (reply) => {
    const text = line(command, reply);
    if (!/^-?\d+$/.test(text)) throw new UnexpectedReplyError(command, text);
    return BigInt(text);
  };
}

/** A non-negative count reply (EXISTS, DBSIZE). */
export function parseCount(command: string): (reply: RawReply) => number {
  return (reply) => {
    const text = line(command, reply);
    if (!/^\d+$/.test(text)) throw new UnexpectedReplyError(command, text);
    return Number(text);
  };
}

/** A signed integer reply that fits a double exactly (TTL, PTTL: the time left, -1 or -2). */
export function parseInteger(command: string): (reply: RawReply) => number {
  return (reply) => {
    const text = line(command, reply);
    const n = Number(text);
    if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n)) throw new UnexpectedReplyError(command, text);
    return n;
  };
}

/** `1` → true, `0` → false (EXPIRE and its forms, PERSIST). */
export function parseFlag(command: string): (reply: RawReply) => boolean {
  return (reply) => {
    const text = line(command, reply);
    if (text === '1') return true;
    if (text === '0') return false;
    throw new UnexpectedReplyError(command, text);
  };
}

/** `DELETED` → true, `NOT_FOUND` → false. */
export function parseDeleted(reply: RawReply): boolean {
  const text = line('DEL', reply);
  if (text === 'DELETED') return true;
  if (text === 'NOT_FOUND') return false;
  throw new UnexpectedReplyError('DEL', text);
}

/** `APPLIED` or `STALE`. */
export function parsePutv(reply: RawReply): 'APPLIED' | 'STALE' {
  const text = line('PUTV', reply);
  if (text === 'APPLIED' || text === 'STALE') return text;
  throw new UnexpectedReplyError('PUTV', text);
}

function splitPair(command: string, text: string): [string, string] {
  const at = text.indexOf(':');
  if (at < 0) throw new UnexpectedReplyError(command, text);
  return [text.slice(0, at), text.slice(at + 1)];
}

/** `INFO`: `# Section` headers and `name:value` lines (lines before a header go to section `''`). */
export function parseInfo(reply: RawReply): InfoSections {
  const out: InfoSections = {};
  let section: Record<string, string> = {};
  let named = false;
  for (const text of lines('INFO', reply).body) {
    if (text.startsWith('#')) {
      section = {};
      out[text.replace(/^#+\s*/, '')] = section;
      named = true;
    } else if (text.trim() !== '') {
      if (!named) {
        out[''] = section;
        named = true;
      }
      const [name, value] = splitPair('INFO', text);
      section[name] = value;
    }
  }
  return out;
}

/** `STATS`: `name:value` lines. */
export function parseStats(reply: RawReply): Record<string, string> {
  const out: Record<string, string> = {};
  for (const text of lines('STATS', reply).body) {
    if (text.trim() === '' || text.startsWith('#')) continue;
    const [name, value] = splitPair('STATS', text);
    out[name] = value;
  }
  return out;
}

/** `MGET`: one value-or-`(null)` line per key. */
export function parseMget(reply: RawReply): (string | null)[] {
  return lines('MGET', reply).body.map((text) => (text === '(null)' ? null : decodeValue(text)));
}

function splitKeyed(command: string, text: string): [string, string] {
  const at = text.indexOf(' ');
  if (at <= 0) throw new UnexpectedReplyError(command, text);
  return [text.slice(0, at), text.slice(at + 1)];
}

/** One `SCAN` page: `key value` lines, then `END [cursor]`. */
export function parseScanPage(reply: RawReply): Page<[string, string]> {
  const { body, cursor } = lines('SCAN', reply);
  const entries = body.map((text): [string, string] => {
    const [key, value] = splitKeyed('SCAN', text);
    return [key, decodeValue(value)];
  });
  return cursor === undefined ? { entries } : { entries, cursor };
}

/** One `LEAF` page: `key digestHex` lines, then `END [cursor]`. */
export function parseLeafPage(reply: RawReply): Page<LeafEntry> {
  const { body, cursor } = lines('LEAF', reply);
  const entries = body.map((text): LeafEntry => {
    const [key, digest] = splitKeyed('LEAF', text);
    return { key, digest };
  });
  return cursor === undefined ? { entries } : { entries, cursor };
}

/** `HASH`: `rootHex keyCount shape`. */
export function parseHash(reply: RawReply): TreeRoot {
  const text = line('HASH', reply);
  const [root, count, shape, ...rest] = text.split(' ');
  if (root === undefined || count === undefined || shape === undefined || rest.length > 0 || !/^\d+$/.test(count)) {
    throw new UnexpectedReplyError('HASH', text);
  }
  return { root, count: Number(count), shape };
}

/** `TREE`: the children's hex hashes, space-separated. */
export function parseTree(reply: RawReply): string[] {
  const text = line('TREE', reply);
  return text === '' ? [] : text.split(' ');
}

/** `GETV`: a version line per key, or `key -` for a key never seen. */
export function parseGetv(reply: RawReply): (WireVersion | null)[] {
  return lines('GETV', reply).body.map((text) => decodeGetvLine(text).version);
}

/** One child of a tree node in a `TREES` reply: its key count and (truncated) hex hash, `''` when empty. */
export interface ChildCount {
  readonly count: number;
  readonly hash: string;
}

/** `PEERV`: `PEERV n`, the peer protocol version the node speaks. */
export function parsePeerv(reply: RawReply): number {
  const text = line('PEERV', reply);
  const m = /^PEERV ([0-9]{1,9})$/.exec(text);
  if (m === null) throw new UnexpectedReplyError('PEERV', text);
  return Number(m[1]);
}

/** `TREES`: one line of `count:hash` children (`0` when empty) per path asked. */
export function parseTrees(reply: RawReply): ChildCount[][] {
  return lines('TREES', reply).body.map((text) => {
    try {
      return parseTreesLine(text);
    } catch {
      throw new UnexpectedReplyError('TREES', text);
    }
  });
}

/** `ENTRIES`: `key digestHex` lines. */
export function parseEntries(reply: RawReply): LeafEntry[] {
  return lines('ENTRIES', reply).body.map((text): LeafEntry => {
    const [key, digest] = splitKeyed('ENTRIES', text);
    return { key, digest };
  });
}

/** `PTREES` (peer protocol 3): the one base64url line of packed children (decoded with the tree shape by the caller). */
export function parsePtrees(reply: RawReply): string {
  const body = lines('PTREES', reply).body;
  const [blob] = body;
  if (body.length !== 1 || blob === undefined || !/^[A-Za-z0-9_-]+$/.test(blob)) throw new UnexpectedReplyError('PTREES', body.join(' | '));
  return blob;
}

/** `PENTRIES` (peer protocol 3): `key digest` lines with the digest in base64url, returned as hex like ENTRIES. */
export function parsePentries(reply: RawReply): LeafEntry[] {
  return lines('PENTRIES', reply).body.map((text): LeafEntry => {
    const [key, digest] = splitKeyed('PENTRIES', text);
    try {
      return { key, digest: Buffer.from(fromBase64Url(digest, 'PENTRIES digest')).toString('hex') };
    } catch {
      throw new UnexpectedReplyError('PENTRIES', text);
    }
  });
}

/** `RECORDS`: version lines `key ts node deleted value`. */
export function parseRecords(reply: RawReply): WireVersion[] {
  return lines('RECORDS', reply).body.map((text) => decodeVersionLine(text));
}

/** `STAMPS`: lines `key ts node deleted`. */
export function parseStamps(reply: RawReply): WireStamp[] {
  return lines('STAMPS', reply).body.map((text) => {
    try {
      return decodeStamp(text);
    } catch {
      throw new UnexpectedReplyError('STAMPS', text);
    }
  });
}

/** `PUTVS`: `OK applied=a stale=s`. */
export function parsePutvs(reply: RawReply): { applied: number; stale: number } {
  const text = line('PUTVS', reply);
  const m = /^OK applied=([0-9]+) stale=([0-9]+)$/.exec(text);
  if (m === null) throw new UnexpectedReplyError('PUTVS', text);
  return { applied: Number(m[1]), stale: Number(m[2]) };
}
