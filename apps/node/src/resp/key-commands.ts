/** RESP key commands: DEL, UNLINK, EXISTS, TYPE, SCAN, KEYS, DBSIZE, RANDOMKEY. */
import { compileGlob, respBulk, respInteger, respSimple, SCAN_MAX_COUNT } from '@merklekv/protocol';
import { integerArg, keyArg as keyAt, syntaxError, type RespHandler } from './context.js';

export const del: RespHandler = (args, _c, { node }) => {
  // Every key is checked before any is deleted: an invalid request changes nothing.
  const keys: string[] = [];
  for (let i = 1; i < args.length; i++) keys.push(keyAt(args, i));
  let n = 0;
  for (const key of keys) if (node.store.delete(key)) n++;
  return respInteger(n);
};

export const exists: RespHandler = (args, _c, { node }) => {
  let n = 0;
  for (let i = 1; i < args.length; i++) if (node.store.exists(keyAt(args, i))) n++;
  return respInteger(n);
};

export const type: RespHandler = (args, _c, { node }) => respSimple(node.store.exists(keyAt(args, 1)) ? 'string' : 'none');

export const dbsize: RespHandler = (_args, _c, { node }) => respInteger(node.store.size);

/** SCAN's page size when COUNT is not given (Redis' default). */
const SCAN_DEFAULT = 10;

export const scan: RespHandler = (args, c, { node, cursors }) => {
  const after = cursors.resolve(args[1] as string);
  let pattern = '*';
  let count = SCAN_DEFAULT;
  let typeFilter: string | undefined;
  for (let i = 2; i < args.length; i += 2) {
    const option = (args[i] as string).toUpperCase();
    const value = args[i + 1];
    if (value === undefined) throw syntaxError();
    if (option === 'MATCH') pattern = value;
    else if (option === 'COUNT') {
      const n = integerArg(value);
      if (n < 1n) throw syntaxError();
      count = Number(n > BigInt(SCAN_MAX_COUNT) ? BigInt(SCAN_MAX_COUNT) : n); // a hint, as in Redis
    } else if (option === 'TYPE') typeFilter = value.toLowerCase();
    else throw syntaxError();
  }
  // Every key is a string: any other TYPE matches nothing.
  if (typeFilter !== undefined && typeFilter !== 'string') return encodeScan('0', [], c.version);
  const glob = compileGlob(pattern);
  const page = node.store.scan(glob.prefix, after, count);
  const keys = page.entries.map(([k]) => k).filter(glob.matches);
  return encodeScan(page.cursor === undefined ? '0' : cursors.issue(page.cursor), keys, c.version);
};

/** Keys are valid UTF-8 (keyArg), so their replies are always text. */
function encodeScan(cursor: string, keys: readonly string[], version: 2 | 3): string {
  let out = `*2\r\n${respBulk(cursor, version) as string}*${keys.length}\r\n`;
  for (const k of keys) out += respBulk(k, version) as string;
  return out;
}
/** KEYS walks the whole keyspace in pages of this many keys. */
const KEYS_PAGE = 1000;

export const keys: RespHandler = (args, c, { node }) => {
  const glob = compileGlob(args[1] as string);
  const found: string[] = [];
  let after: string | undefined;
  do {
    const page = node.store.scan(glob.prefix, after, KEYS_PAGE);
    for (const [k] of page.entries) if (glob.matches(k)) found.push(k);
    after = page.cursor;
  } while (after !== undefined);
  let out = `*${found.length}\r\n`;
  for (const k of found) out += respBulk(k, c.version) as string;
  return out;
};

/**
 * The first live key after a random point of the sorted key space (wrapping
 * to the first key): random, but not uniform when keys cluster. Nil when empty.
 */
export const randomkey: RespHandler = (_args, c, { node }) => {
  if (node.store.size === 0) return respBulk(undefined, c.version);
  const point = Math.random().toString(36).slice(2, 8);
  const page = node.store.scan('', point, 1);
  const first = page.entries[0] ?? node.store.scan('', undefined, 1).entries[0];
  return respBulk(first?.[0], c.version);
};
