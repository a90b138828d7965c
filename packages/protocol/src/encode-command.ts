/**
 * Writes a {@link Command} as one request line (the client side). Arguments
 * are checked with the same rules the parser applies, so a command that
 * encodes is a command the server can parse: `parseCommandLine` of the line
 * (without `\r\n`) deep-equals the command.
 */
import type { Command } from './command.js';
import { ProtocolError } from './errors.js';
import { checkKey, checkToken, checkUser } from './key.js';
import { isInt64 } from './numbers.js';
import { checkPeer } from './peer.js';
import { formatTreePath } from './tree-path.js';
import { SCAN_MAX_COUNT } from './constants.js';
import { encodeValue, encodeValueToken } from './value-quoting.js';
import { encodeVersion } from './version-line.js';
import { encodePeerSync } from './peer-sync.js';

function keys(type: string, list: readonly string[]): string {
  if (list.length === 0) throw new ProtocolError('MISSING_ARGUMENTS', `Missing arguments: ${type} needs at least one key`);
  for (const key of list) checkKey(key, `${type} key`);
  return list.join(' ');
}

function amount(type: string, n: bigint): bigint {
  if (!isInt64(n)) throw new ProtocolError('INVALID_ARGUMENT', `${type} amount must be a 64-bit signed integer, got '${n}'`);
  return n;
}

function expiryTime(type: string, n: number, positive: boolean): number {
  if (!Number.isSafeInteger(n) || (positive && n < 1)) {
    throw new ProtocolError('INVALID_ARGUMENT', `${type} time must be ${positive ? 'a positive' : 'an'} integer, got '${n}'`);
  }
  return n;
}

function scanArgs(prefix: string, cursor: string | undefined, count: number | undefined): string {
  if (prefix === '*') {
    throw new ProtocolError('INVALID_ARGUMENT', "SCAN prefix '*' cannot be sent: '*' alone means every key (use the prefix '' for that)");
  }
  let out = prefix === '' ? '*' : checkToken(prefix, 'SCAN prefix');
  if (cursor !== undefined) out += ` ${checkToken(cursor, 'SCAN cursor')}`;
  if (count !== undefined) {
    if (!Number.isInteger(count) || count < 1 || count > SCAN_MAX_COUNT) {
      throw new ProtocolError('INVALID_ARGUMENT', `SCAN COUNT must be an integer from 1 to ${SCAN_MAX_COUNT}, got '${count}'`);
    }
    out += ` COUNT ${count}`;
  }
  return out;
}

function body(cmd: Command): string {
  switch (cmd.type) {
    case 'SET':
    case 'APPEND':
    case 'PREPEND':
      return `${cmd.type} ${checkKey(cmd.key, `${cmd.type} key`)} ${encodeValue(cmd.value)}`;
    case 'SETEX':
    case 'PSETEX':
      return `${cmd.type} ${checkKey(cmd.key, `${cmd.type} key`)} ${expiryTime(cmd.type, cmd.ttl, true)} ${encodeValue(cmd.value)}`;
    case 'EXPIRE':
    case 'PEXPIRE':
    case 'EXPIREAT':
    case 'PEXPIREAT':
      return `${cmd.type} ${checkKey(cmd.key, `${cmd.type} key`)} ${expiryTime(cmd.type, cmd.time, false)}`;
    case 'GET':
    case 'TTL':
    case 'PTTL':
    case 'PERSIST':
      return `${cmd.type} ${checkKey(cmd.key, `${cmd.type} key`)}`;
    case 'DEL':
      return `DEL ${(cmd.keys ?? [cmd.key]).map((key) => checkKey(key, 'DEL key')).join(' ')}`;
    case 'INCR':
    case 'DECR':
      return `${cmd.type} ${checkKey(cmd.key, `${cmd.type} key`)} ${amount(cmd.type, cmd.amount)}`;
    case 'VERSION':
    case 'INFO':
    case 'FLUSH':
    case 'SHUTDOWN':
    case 'BACKUP':
    case 'DBSIZE':
    case 'STATS':
    case 'HASH':
      return cmd.type;
    case 'PING':
      return cmd.message === undefined ? 'PING' : `PING ${encodeValue(cmd.message)}`;
    case 'ECHO':
      return `ECHO ${encodeValue(cmd.message)}`;
    case 'EXISTS':
    case 'MGET':
    case 'GETV':
      return `${cmd.type} ${keys(cmd.type, cmd.keys)}`;
    case 'MSET': {
      if (cmd.entries.length === 0) throw new ProtocolError('MISSING_ARGUMENTS', 'Missing arguments: MSET needs at least one key and value');
      const pairs = cmd.entries.map(([key, value]) => `${checkKey(key, 'MSET key')} ${encodeValueToken(value)}`);
      return `MSET ${pairs.join(' ')}`;
    }
    case 'SCAN':
      return `SCAN ${scanArgs(cmd.prefix, cmd.cursor, cmd.count)}`;
    case 'TREE':
      return `TREE ${formatTreePath(cmd.path)}`;
    case 'LEAF':
      return cmd.cursor === undefined
        ? `LEAF ${formatTreePath(cmd.path)}`
        : `LEAF ${formatTreePath(cmd.path)} ${checkToken(cmd.cursor, 'LEAF cursor')}`;
    case 'PUTV':
      return `PUTV ${encodeVersion(cmd.version)}`;
    case 'SYNC':
      return `SYNC ${checkPeer(cmd.peer, 'SYNC peer')}`;
    case 'PEERV':
    case 'TREES':
    case 'ENTRIES':
    case 'PTREES':
    case 'PENTRIES':
    case 'RECORDS':
    case 'STAMPS':
    case 'PUTVS':
      return encodePeerSync(cmd);
    case 'AUTH':
      return cmd.user === undefined
        ? `AUTH ${encodeValueToken(cmd.password)}`
        : `AUTH ${checkUser(cmd.user)} ${encodeValueToken(cmd.password)}`;
  }
}

/**
 * Writes one request line ending in `\r\n`.
 * @throws ProtocolError if an argument breaks the protocol's rules (a key with
 *   a space, an amount outside 64 bits, an empty key list, ...), naming it.
 */
export function encodeCommand(cmd: Command): string {
  return `${body(cmd)}\r\n`;
}
