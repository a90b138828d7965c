/**
 * Peer protocol 2: the batched anti-entropy commands (docs/PROTOCOL.md "Peer
 * protocol 2"). A node that speaks them answers `PEERV n` with the highest
 * version it speaks up to n; an older node answers `ERROR: Invalid command
 * 'PEERV'` and the caller falls back to HASH/TREE/LEAF/GETV/PUTV.
 *
 * - `PEERV n` → `PEERV v`
 * - `TREES width path [path ...]` → one line per path, its children as `count:hash` (`0` when empty), then `END`
 * - `ENTRIES width path [path ...]` → `key digest` lines for every key under the paths, then `END`
 * - `RECORDS path [path ...]` → `key ts node deleted value` lines for every record under the paths, then `END`
 * - `STAMPS path [path ...]` → `key ts node deleted` lines (no value) for every record under the paths, then `END`
 * - `PTREES width set [set ...]` (protocol 3) → the children of every node of the sets, packed, as one base64url line, then `END`
 * - `PENTRIES width set [set ...]` (protocol 3) → `key digest` lines, the digest in base64url, then `END`
 * - `PUTVS key ts node deleted value [...]` (values as tokens, quoted when needed) → `OK applied=a stale=s`
 *
 * In all of them `deleted` is the version-line flag: `0` or `1`, then `:expireAt` when the
 * version has an expiry (version-line.ts); a version without one is written as before expiry.
 */
import type { Command, TreePath, WireVersion } from './command.js';
import { ProtocolError } from './errors.js';
import { decodePathSet, encodePathSet } from './peer-pack.js';
import { checkKey, checkToken } from './key.js';
import { parseTimestamp } from './numbers.js';
import { show } from './show.js';
import { readValueToken, skipSpaces, splitTokens, tokenEnd } from './tokenizer.js';
import { formatTreePath, parseTreePath } from './tree-path.js';
import { encodeValueToken } from './value-quoting.js';
import { encodeVersionHead, formatDeletedFlag, parseDeletedFlag } from './version-line.js';

/**
 * The peer protocol this code speaks: 1 = HASH/TREE/LEAF/GETV/PUTV, 2 = adds
 * PEERV/TREES/ENTRIES/RECORDS/STAMPS/PUTVS, 3 = adds PTREES/PENTRIES (packed, peer-pack.ts).
 */
export const PEER_PROTOCOL_VERSION = 3;

/** The widest hash or digest TREES and ENTRIES send, in bytes (the full 16). */
export const MAX_HASH_WIDTH = 16;

type PeerSyncCommand = Extract<Command, { type: 'PEERV' | 'TREES' | 'ENTRIES' | 'PTREES' | 'PENTRIES' | 'RECORDS' | 'STAMPS' | 'PUTVS' }>;

function missing(type: string, needs: string): ProtocolError {
  return new ProtocolError('MISSING_ARGUMENTS', `Missing arguments: ${type} needs ${needs}`);
}

function smallInt(text: string, min: number, max: number, what: string): number {
  const n = /^[0-9]{1,9}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= min && n <= max)) throw new ProtocolError('INVALID_ARGUMENT', `${what} must be an integer from ${min} to ${max}, got '${show(text)}'`);
  return n;
}

function paths(type: string, tokens: readonly string[]): TreePath[] {
  if (tokens.length === 0) throw missing(type, "at least one path ('-' for the root)");
  return tokens.map((t) => parseTreePath(t, `${type} path`));
}

/** Parses the arguments of PEERV, TREES, ENTRIES, RECORDS or PUTVS (from index `at` of the line). */
export function parsePeerSync(type: PeerSyncCommand['type'], line: string, at: number): PeerSyncCommand {
  if (type === 'PUTVS') return { type, versions: readVersions(line, at) };
  const tokens = splitTokens(line, at);
  if (type === 'PEERV') {
    const [version, extra] = tokens;
    if (version === undefined) throw missing(type, 'a protocol version');
    if (extra !== undefined) throw new ProtocolError('TOO_MANY_ARGUMENTS', `Too many arguments: usage is 'PEERV version', got extra '${show(extra)}'`);
    return { type, version: smallInt(version, 1, 1_000_000, 'PEERV version') };
  }
  if (type === 'RECORDS' || type === 'STAMPS') return { type, paths: paths(type, tokens) };
  const [width, ...rest] = tokens;
  if (type === 'PTREES' || type === 'PENTRIES') {
    if (width === undefined || rest.length === 0) throw missing(type, 'a hash width in bytes and at least one path set (level:base64url)');
    return { type, width: smallInt(width, 1, MAX_HASH_WIDTH, `${type} width`), sets: rest.map((t) => decodePathSet(t, `${type} path set`)) };
  }
  if (width === undefined) throw missing(type, 'a hash width in bytes and at least one path');
  return { type, width: smallInt(width, 1, MAX_HASH_WIDTH, `${type} width`), paths: paths(type, rest) };
}

/** Writes the request line body (no line ending) of PEERV, TREES, ENTRIES, RECORDS or PUTVS. */
export function encodePeerSync(cmd: PeerSyncCommand): string {
  switch (cmd.type) {
    case 'PEERV':
      return `PEERV ${smallInt(String(cmd.version), 1, 1_000_000, 'PEERV version')}`;
    case 'TREES':
    case 'ENTRIES':
      if (cmd.paths.length === 0) throw missing(cmd.type, 'at least one path');
      return `${cmd.type} ${smallInt(String(cmd.width), 1, MAX_HASH_WIDTH, `${cmd.type} width`)} ${cmd.paths.map(formatTreePath).join(' ')}`;
    case 'PTREES':
    case 'PENTRIES':
      if (cmd.sets.length === 0) throw missing(cmd.type, 'at least one path set');
      return `${cmd.type} ${smallInt(String(cmd.width), 1, MAX_HASH_WIDTH, `${cmd.type} width`)} ${cmd.sets.map(encodePathSet).join(' ')}`;
    case 'RECORDS':
    case 'STAMPS':
      if (cmd.paths.length === 0) throw missing(cmd.type, 'at least one path');
      return `${cmd.type} ${cmd.paths.map(formatTreePath).join(' ')}`;
    case 'PUTVS':
      if (cmd.versions.length === 0) throw missing(cmd.type, 'at least one version');
      return `PUTVS ${cmd.versions.map(encodeVersionToken).join(' ')}`;
  }
}

/** `key ts node deleted[:expireAt] value` with the value as one token (quoted when it holds a space): one PUTVS item. */
export function encodeVersionToken(v: WireVersion): string {
  return `${encodeVersionHead(v)} ${encodeValueToken(v.value)}`;
}

function readVersions(line: string, at: number): WireVersion[] {
  const versions: WireVersion[] = [];
  let i = skipSpaces(line, at);
  while (i < line.length) {
    const fields: string[] = [];
    while (fields.length < 4 && i < line.length) {
      const end = tokenEnd(line, i);
      fields.push(line.slice(i, end));
      i = skipSpaces(line, end);
    }
    const [key, tsText, node, deletedText] = fields;
    if (key === undefined || tsText === undefined || node === undefined || deletedText === undefined || i === line.length) {
      throw missing('PUTVS', 'versions as key ts node deleted value (a tombstone\'s value is "")');
    }
    checkKey(key, 'PUTVS key');
    const ts = parseTimestamp(tsText, 'PUTVS ts');
    checkToken(node, 'PUTVS node id');
    const { deleted, expireAt } = parseDeletedFlag(deletedText, 'PUTVS');
    const { value, end } = readValueToken(line, i, 'PUTVS value');
    versions.push(expireAt === 0 ? { key, ts, node, deleted, value } : { key, ts, node, deleted, value, expireAt });
    i = skipSpaces(line, end);
  }
  if (versions.length === 0) throw missing('PUTVS', 'at least one version key ts node deleted value');
  return versions;
}

/** A version without its value, as a STAMPS reply line carries it. */
export interface WireStamp {
  readonly key: string;
  readonly ts: number;
  readonly node: string;
  readonly deleted: boolean;
  /** Absolute expiry in ms; absent or 0 = none (part of the version, like in a version line). */
  readonly expireAt?: number;
}

/** Writes a STAMPS reply line `key ts node deleted[:expireAt]`. */
export function encodeStamp(s: WireStamp): string {
  return `${s.key} ${s.ts} ${s.node} ${formatDeletedFlag(s.deleted, s.expireAt)}`;
}

/**
 * Reads a STAMPS reply line.
 * @throws ProtocolError if the line is malformed.
 */
export function decodeStamp(line: string): WireStamp {
  // Found by indexOf, not split: a bulk session reads one of these per key.
  const s1 = line.indexOf(' ');
  const s2 = s1 < 0 ? -1 : line.indexOf(' ', s1 + 1);
  const s3 = s2 < 0 ? -1 : line.indexOf(' ', s2 + 1);
  if (s3 < 0 || line.indexOf(' ', s3 + 1) >= 0) {
    throw new ProtocolError('INVALID_ARGUMENT', `STAMPS reply line must be key ts node deleted, got '${show(line)}'`);
  }
  const key = checkKey(line.slice(0, s1), 'STAMPS key');
  const ts = parseTimestamp(line.slice(s1 + 1, s2), 'STAMPS ts');
  const node = checkToken(line.slice(s2 + 1, s3), 'STAMPS node id');
  const deletedText = line.slice(s3 + 1);
  // The common flags without an expiry, without building the parse result.
  if (deletedText === '0' || deletedText === '1') return { key, ts, node, deleted: deletedText === '1' };
  const { deleted, expireAt } = parseDeletedFlag(deletedText, 'STAMPS');
  return expireAt === 0 ? { key, ts, node, deleted } : { key, ts, node, deleted, expireAt };
}

/** One child in a TREES reply line: `count:hash`, or `0` for an empty child. */
export function formatChild(count: number, hash: string): string {
  return count === 0 ? '0' : `${count}:${hash}`;
}

/**
 * Reads one TREES reply line into its children.
 * @throws ProtocolError `INVALID_ARGUMENT` for a malformed child.
 */
export function parseTreesLine(line: string): { count: number; hash: string }[] {
  return line.split(' ').map((token) => {
    if (token === '0') return { count: 0, hash: '' };
    const colon = token.indexOf(':');
    const count = colon > 0 ? Number(token.slice(0, colon)) : Number.NaN;
    const hash = token.slice(colon + 1);
    if (!Number.isSafeInteger(count) || count < 1 || !/^[0-9a-f]{2,32}$/.test(hash)) {
      throw new ProtocolError('INVALID_ARGUMENT', `TREES reply child must be count:hex or 0, got '${show(token)}'`);
    }
    return { count, hash };
  });
}
