/**
 * The `key ts node deleted value` form of a record version, shared by PUTV
 * requests and GETV replies. `deleted` is `0` or `1`, followed by `:expireAt`
 * (absolute ms) when the version has an expiry (`0:1790000060000`); the value is
 * the rest of the line, written raw or quoted like every value (a tombstone's is
 * `""`). A node without expiry support refuses such a flag instead of misreading it.
 */
import type { WireVersion } from './command.js';
import { ProtocolError } from './errors.js';
import { checkKey, checkToken } from './key.js';
import { isTimestamp, parseTimestamp } from './numbers.js';
import { show } from './show.js';
import { readRestValue, skipSpaces, tokenEnd } from './tokenizer.js';
import { encodeValue } from './value-quoting.js';

/**
 * Writes a version as `key ts node deleted value` (no line ending).
 * @throws ProtocolError `INVALID_KEY` / `INVALID_ARGUMENT` for a bad key, node id or timestamp.
 */
export function encodeVersion(v: WireVersion): string {
  return `${encodeVersionHead(v)} ${encodeValue(v.value)}`;
}

/**
 * Writes `key ts node deleted` of a version (no value, no line ending).
 * @throws ProtocolError `INVALID_KEY` / `INVALID_ARGUMENT` for a bad key, node id or timestamp.
 */
export function encodeVersionHead(v: Omit<WireVersion, 'value'>): string {
  checkKey(v.key, 'Version key');
  checkToken(v.node, 'Version node id');
  if (!isTimestamp(v.ts)) {
    throw new ProtocolError('INVALID_ARGUMENT', `Version ts must be a non-negative integer timestamp, got '${v.ts}'`);
  }
  return `${v.key} ${v.ts} ${v.node} ${formatDeletedFlag(v.deleted, v.expireAt)}`;
}

/**
 * The `deleted` field of a version as every peer line writes it (version lines, RECORDS,
 * STAMPS, PUTVS): `0` or `1`, then `:expireAt` when the version has an expiry. A version
 * without one is written exactly as before expiry existed.
 * @throws ProtocolError `INVALID_ARGUMENT` for an expireAt that is not a non-negative integer.
 */
export function formatDeletedFlag(deleted: boolean, expireAt: number | undefined): string {
  const e = expireAt ?? 0;
  if (e !== 0 && !isTimestamp(e)) {
    throw new ProtocolError('INVALID_ARGUMENT', `Version expireAt must be a non-negative integer time in ms, got '${e}'`);
  }
  const flag = deleted ? '1' : '0';
  return e === 0 ? flag : `${flag}:${e}`;
}

/**
 * Reads the `deleted[:expireAt]` field written by {@link formatDeletedFlag}; `expireAt` is 0 when absent.
 * @param what names the source in messages, e.g. `PUTV`.
 * @throws ProtocolError `INVALID_ARGUMENT` for a flag other than 0 or 1, or a bad expireAt.
 */
export function parseDeletedFlag(text: string, what: string): { deleted: boolean; expireAt: number } {
  const flag = text.charAt(0);
  if ((flag !== '0' && flag !== '1') || (text.length > 1 && text.charAt(1) !== ':')) {
    throw new ProtocolError('INVALID_ARGUMENT', `${what} deleted flag must be 0 or 1, optionally followed by :expireAt, got '${show(text)}'`);
  }
  return { deleted: flag === '1', expireAt: text.length > 1 ? parseTimestamp(text.slice(2), `${what} expireAt`) : 0 };
}

/**
 * Reads `key ts node deleted value` starting at index `i` of `line`.
 * @param what names the source in messages, e.g. `PUTV`.
 * @throws ProtocolError with code `MISSING_ARGUMENTS`, `INVALID_KEY`, `INVALID_ARGUMENT` or `INVALID_VALUE`.
 */
export function readVersion(line: string, i: number, what: string): WireVersion {
  const fields: string[] = [];
  let at = skipSpaces(line, i);
  while (fields.length < 4 && at < line.length) {
    const end = tokenEnd(line, at);
    fields.push(line.slice(at, end));
    at = skipSpaces(line, end);
  }
  const [key, tsText, node, deletedText] = fields;
  if (key === undefined || tsText === undefined || node === undefined || deletedText === undefined || at === line.length) {
    throw new ProtocolError('MISSING_ARGUMENTS', `Missing arguments: ${what} needs key ts node deleted value (a tombstone's value is "")`);
  }
  checkKey(key, `${what} key`);
  const ts = parseTimestamp(tsText, `${what} ts`);
  checkToken(node, `${what} node id`);
  const { deleted, expireAt } = parseDeletedFlag(deletedText, what);
  const value = readRestValue(line, at, `${what} value`);
  return expireAt === 0 ? { key, ts, node, deleted, value } : { key, ts, node, deleted, value, expireAt };
}

/**
 * Reads one version line as {@link encodeVersion} writes it (a GETV reply line).
 * @throws ProtocolError if the line is malformed.
 */
export function decodeVersionLine(line: string): WireVersion {
  return readVersion(line, 0, 'Version line');
}

/**
 * Reads one data line of a GETV reply: a version line, or `key -` for a key
 * the node has never seen.
 * @throws ProtocolError if the line is malformed.
 */
export function decodeGetvLine(line: string): { key: string; version: WireVersion | null } {
  const keyEnd = tokenEnd(line, 0);
  if (line.length === keyEnd + 2 && line.endsWith(' -')) {
    return { key: checkKey(line.slice(0, keyEnd), 'GETV reply key'), version: null };
  }
  const version = decodeVersionLine(line);
  return { key: version.key, version };
}
