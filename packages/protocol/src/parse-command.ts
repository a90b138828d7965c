/**
 * Turns one request line (without its line ending) into a {@link Command}.
 * Each command has a small parser working on indexes into the line, so "the
 * rest of the line" values need no re-joining; errors name the command and
 * what was wrong.
 */
import type { Command, CommandType } from './command.js';
import { ProtocolError } from './errors.js';
import { checkKey, checkToken, checkUser } from './key.js';
import { parseExpiryTime, parseInt64, parseScanCount } from './numbers.js';
import { show } from './show.js';
import { readRestValue, readValueToken, skipSpaces, splitTokens, tokenEnd } from './tokenizer.js';
import { checkPeer } from './peer.js';
import { parseTreePath } from './tree-path.js';
import { COMMAND_USAGE } from './usage.js';
import { readVersion } from './version-line.js';
import { parsePeerSync } from './peer-sync.js';

type Parser = (line: string, at: number) => Command;

function missing(type: CommandType, needs: string): ProtocolError {
  return new ProtocolError('MISSING_ARGUMENTS', `Missing arguments: ${type} needs ${needs}`);
}

function tooMany(type: CommandType, extra: string): ProtocolError {
  return new ProtocolError('TOO_MANY_ARGUMENTS', `Too many arguments: usage is '${COMMAND_USAGE[type]}', got extra '${show(extra)}'`);
}

/** Throws unless only spaces follow index `at`. */
function expectEnd(type: CommandType, line: string, at: number): void {
  const extra = skipSpaces(line, at);
  if (extra < line.length) throw tooMany(type, line.slice(extra));
}

/** Reads the key token after the command name; `needs` words the missing-argument message. */
function readKey(type: CommandType, line: string, at: number, needs: string): { key: string; end: number } {
  const start = skipSpaces(line, at);
  if (start === line.length) throw missing(type, needs);
  const end = tokenEnd(line, start);
  return { key: checkKey(line.slice(start, end), `${type} key`), end };
}

const noArgs =
  <T extends 'VERSION' | 'INFO' | 'FLUSH' | 'SHUTDOWN' | 'BACKUP' | 'DBSIZE' | 'STATS' | 'HASH'>(type: T): Parser =>
  (line, at) => {
    expectEnd(type, line, at);
    return { type };
  };

const oneKey =
  <T extends 'GET' | 'TTL' | 'PTTL' | 'PERSIST'>(type: T): Parser =>
  (line, at) => {
    const { key, end } = readKey(type, line, at, 'a key');
    expectEnd(type, line, end);
    return { type, key };
  };

const keyAndValue =
  <T extends 'SET' | 'APPEND' | 'PREPEND'>(type: T): Parser =>
  (line, at) => {
    const needs = 'a key and a value';
    const { key, end } = readKey(type, line, at, needs);
    const valueAt = skipSpaces(line, end);
    if (valueAt === line.length) throw missing(type, needs);
    return { type, key, value: readRestValue(line, valueAt, `${type} value`) };
  };

/** `SETEX key seconds value` / `PSETEX key ms value`: the value is the rest of the line, as for SET. */
const setex =
  <T extends 'SETEX' | 'PSETEX'>(type: T): Parser =>
  (line, at) => {
    const needs = `a key, a time to live and a value`;
    const { key, end } = readKey(type, line, at, needs);
    const ttlAt = skipSpaces(line, end);
    if (ttlAt === line.length) throw missing(type, needs);
    const ttlEnd = tokenEnd(line, ttlAt);
    const ttl = parseExpiryTime(line.slice(ttlAt, ttlEnd), `${type} ${type === 'SETEX' ? 'seconds' : 'milliseconds'}`, true);
    const valueAt = skipSpaces(line, ttlEnd);
    if (valueAt === line.length) throw missing(type, needs);
    return { type, key, ttl, value: readRestValue(line, valueAt, `${type} value`) };
  };

/** `EXPIRE key seconds` and its ms / absolute-time forms. */
const expire =
  <T extends 'EXPIRE' | 'PEXPIRE' | 'EXPIREAT' | 'PEXPIREAT'>(type: T, unit: string): Parser =>
  (line, at) => {
    const { key, end } = readKey(type, line, at, `a key and ${unit}`);
    const [timeText, extra] = splitTokens(line, end);
    if (timeText === undefined) throw missing(type, `a key and ${unit}`);
    if (extra !== undefined) throw tooMany(type, extra);
    return { type, key, time: parseExpiryTime(timeText, `${type} ${unit}`) };
  };

const counter =
  <T extends 'INCR' | 'DECR'>(type: T): Parser =>
  (line, at) => {
    const { key, end } = readKey(type, line, at, 'a key');
    const [amountText, extra] = splitTokens(line, end);
    if (extra !== undefined) throw tooMany(type, extra);
    const amount = amountText === undefined ? 1n : parseInt64(amountText, `${type} amount`);
    return { type, key, amount };
  };

const keyList =
  <T extends 'EXISTS' | 'MGET' | 'GETV'>(type: T): Parser =>
  (line, at) => {
    const keys = splitTokens(line, at);
    if (keys.length === 0) throw missing(type, 'at least one key');
    for (const key of keys) checkKey(key, `${type} key`);
    return { type, keys };
  };

/** `DEL key` as always; `DEL k1 k2 ...` (Redis's form) deletes every key and replies how many were live. */
const del: Parser = (line, at) => {
  const keys = splitTokens(line, at);
  if (keys.length === 0) throw missing('DEL', 'a key');
  for (const key of keys) checkKey(key, 'DEL key');
  const [key] = keys as [string, ...string[]];
  return keys.length === 1 ? { type: 'DEL', key } : { type: 'DEL', key, keys };
};

const ping: Parser = (line, at) => {
  const start = skipSpaces(line, at);
  return start === line.length ? { type: 'PING' } : { type: 'PING', message: readRestValue(line, start, 'PING message') };
};

const echo: Parser = (line, at) => {
  const start = skipSpaces(line, at);
  if (start === line.length) throw missing('ECHO', 'a message');
  return { type: 'ECHO', message: readRestValue(line, start, 'ECHO message') };
};

const mset: Parser = (line, at) => {
  const entries: (readonly [string, string])[] = [];
  for (let i = skipSpaces(line, at); i < line.length; i = skipSpaces(line, i)) {
    const keyEnd = tokenEnd(line, i);
    const key = checkKey(line.slice(i, keyEnd), 'MSET key');
    const valueAt = skipSpaces(line, keyEnd);
    if (valueAt === line.length) throw missing('MSET', `a value after key '${show(key)}' (keys and values come in pairs)`);
    const { value, end } = readValueToken(line, valueAt, `MSET value for key '${show(key)}'`);
    entries.push([key, value]);
    i = end;
  }
  if (entries.length === 0) throw missing('MSET', 'at least one key and value');
  return { type: 'MSET', entries };
};

const scan: Parser = (line, at) => {
  const [prefix, ...rest] = splitTokens(line, at);
  if (prefix === undefined) throw missing('SCAN', "a prefix ('*' for every key)");
  const command: { type: 'SCAN'; prefix: string; cursor?: string; count?: number } = {
    type: 'SCAN',
    prefix: prefix === '*' ? '' : checkToken(prefix, 'SCAN prefix'),
  };
  // `COUNT n` is recognised by position, so a cursor may itself be the key "COUNT".
  const hasCount = rest.length >= 2 && rest[rest.length - 2]?.toUpperCase() === 'COUNT';
  const cursorTokens = hasCount ? rest.length - 2 : rest.length;
  if (cursorTokens > 1) throw tooMany('SCAN', rest.slice(1).join(' '));
  if (cursorTokens === 1) command.cursor = checkToken(rest[0] as string, 'SCAN cursor');
  if (hasCount) command.count = parseScanCount(rest[rest.length - 1] as string);
  return command;
};

const tree: Parser = (line, at) => {
  const [path, extra] = splitTokens(line, at);
  if (path === undefined) throw missing('TREE', "a path ('-' for the root)");
  if (extra !== undefined) throw tooMany('TREE', extra);
  return { type: 'TREE', path: parseTreePath(path, 'TREE path') };
};

const leaf: Parser = (line, at) => {
  const [path, cursor, extra] = splitTokens(line, at);
  if (path === undefined) throw missing('LEAF', 'a path');
  if (extra !== undefined) throw tooMany('LEAF', extra);
  const parsed = parseTreePath(path, 'LEAF path');
  return cursor === undefined ? { type: 'LEAF', path: parsed } : { type: 'LEAF', path: parsed, cursor: checkToken(cursor, 'LEAF cursor') };
};

const putv: Parser = (line, at) => ({ type: 'PUTV', version: readVersion(line, at, 'PUTV') });

const sync: Parser = (line, at) => {
  const [peer, extra] = splitTokens(line, at);
  if (peer === undefined) throw missing('SYNC', 'a peer address host:port');
  if (extra !== undefined) throw tooMany('SYNC', extra);
  return { type: 'SYNC', peer: checkPeer(peer, 'SYNC peer') };
};

/** `AUTH password` or `AUTH user password`; the password is one token, quoted when it holds spaces. */
const auth: Parser = (line, at) => {
  const start = skipSpaces(line, at);
  if (start === line.length) throw missing('AUTH', 'a password (AUTH [user] password)');
  const first = readValueToken(line, start, 'AUTH password');
  const next = skipSpaces(line, first.end);
  if (next === line.length) return { type: 'AUTH', password: first.value };
  const user = checkUser(line.slice(start, first.end));
  const second = readValueToken(line, next, 'AUTH password');
  expectEnd('AUTH', line, second.end);
  return { type: 'AUTH', user, password: second.value };
};

/** Command words (upper case) to their parsers; DELETE is an alias of DEL. */
const PARSERS: ReadonlyMap<string, Parser> = new Map<string, Parser>([
  ['SET', keyAndValue('SET')],
  ['GET', oneKey('GET')],
  ['DEL', del],
  ['DELETE', del],
  ['INCR', counter('INCR')],
  ['DECR', counter('DECR')],
  ['APPEND', keyAndValue('APPEND')],
  ['PREPEND', keyAndValue('PREPEND')],
  ['VERSION', noArgs('VERSION')],
  ['INFO', noArgs('INFO')],
  ['FLUSH', noArgs('FLUSH')],
  ['SHUTDOWN', noArgs('SHUTDOWN')],
  ['BACKUP', noArgs('BACKUP')],
  ['PING', ping],
  ['ECHO', echo],
  ['EXISTS', keyList('EXISTS')],
  ['MGET', keyList('MGET')],
  ['MSET', mset],
  ['SCAN', scan],
  ['DBSIZE', noArgs('DBSIZE')],
  ['STATS', noArgs('STATS')],
  ['SETEX', setex('SETEX')],
  ['PSETEX', setex('PSETEX')],
  ['EXPIRE', expire('EXPIRE', 'seconds')],
  ['PEXPIRE', expire('PEXPIRE', 'milliseconds')],
  ['EXPIREAT', expire('EXPIREAT', 'unix-seconds')],
  ['PEXPIREAT', expire('PEXPIREAT', 'unix-milliseconds')],
  ['TTL', oneKey('TTL')],
  ['PTTL', oneKey('PTTL')],
  ['PERSIST', oneKey('PERSIST')],
  ['HASH', noArgs('HASH')],
  ['TREE', tree],
  ['LEAF', leaf],
  ['GETV', keyList('GETV')],
  ['PUTV', putv],
  ['SYNC', sync],
  ['AUTH', auth],
  ['PEERV', (line, at) => parsePeerSync('PEERV', line, at)],
  ['TREES', (line, at) => parsePeerSync('TREES', line, at)],
  ['ENTRIES', (line, at) => parsePeerSync('ENTRIES', line, at)],
  ['PTREES', (line, at) => parsePeerSync('PTREES', line, at)],
  ['PENTRIES', (line, at) => parsePeerSync('PENTRIES', line, at)],
  ['RECORDS', (line, at) => parsePeerSync('RECORDS', line, at)],
  ['STAMPS', (line, at) => parsePeerSync('STAMPS', line, at)],
  ['PUTVS', (line, at) => parsePeerSync('PUTVS', line, at)],
]);

const ASCII_LETTERS = /^[A-Za-z]+$/;

/**
 * Parses one request line, without its line ending. Command names are
 * case-insensitive (ASCII letters only); leading spaces are allowed.
 * @throws ProtocolError with the code and message the server replies with
 *   (`Invalid command 'FOO'`, `Missing arguments: SET needs a key and a value`, ...).
 */
export function parseCommandLine(line: string): Command {
  const start = skipSpaces(line, 0);
  if (start === line.length) throw new ProtocolError('EMPTY_LINE', 'Empty command line');
  const end = tokenEnd(line, start);
  const hot = end - start === 3 ? hotParser(line, start) : undefined;
  if (hot !== undefined) return hot(line, end);
  const word = line.slice(start, end);
  const parser = PARSERS.get(word) ?? (ASCII_LETTERS.test(word) ? PARSERS.get(word.toUpperCase()) : undefined);
  if (parser === undefined) throw new ProtocolError('INVALID_COMMAND', `Invalid command '${show(word)}'`);
  return parser(line, end);
}

const SET_PARSER = PARSERS.get('SET') as Parser;
const GET_PARSER = PARSERS.get('GET') as Parser;

/**
 * The parser of `SET` or `GET` written in capitals at `line[start..start+3)`, found from the
 * character codes: most requests are one of them, and this skips slicing the command word and
 * hashing it for the table lookup. Anything else (lower case too) takes the table.
 */
function hotParser(line: string, start: number): Parser | undefined {
  if (line.charCodeAt(start + 1) !== 0x45 || line.charCodeAt(start + 2) !== 0x54) return undefined;
  const first = line.charCodeAt(start);
  return first === 0x53 ? SET_PARSER : first === 0x47 ? GET_PARSER : undefined;
}
