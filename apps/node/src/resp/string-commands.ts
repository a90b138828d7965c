/**
 * RESP string commands over the store. NX, XX, SETNX, MSETNX and GETSET are
 * decided on this replica: under concurrent writes on other nodes, last
 * writer wins decides (docs/RESP.md).
 */
import { byteLengthOf, RESP_OK, respBulk, respInteger, respNull, type RespBytes, type RespVersion } from '@merklekv/protocol';
import { Store } from '@merklekv/storage';
import type { ReplyBytes } from '../server/reply-bytes.js';
import { integerArg, keyArg as key, RespCommandError, type RespHandler } from './context.js';
import { parseStringExpiryOptions, setExpireAt } from './expiry-options.js';

/** The longest bulk header of a value the store keeps as bytes: `$4096\r\n`. */
const HEAD_MAX = 7;
/** Room reserved for a bulk reply: its header, the longest value kept as bytes (4096) and CRLF. */
const BULK_ROOM = HEAD_MAX + 4096 + 2;

/**
 * The bulk reply of `key`, the same bytes as {@link respBulk}: a value the store holds as ASCII
 * bytes is copied straight into `out` behind its header (no string is made of it) and '' is
 * returned; any other reply is returned as respBulk makes it.
 */
function bulkInto(store: Store, k: string, version: RespVersion, out: ReplyBytes): RespBytes {
  const buf = out.reserve(BULK_ROOM);
  const at = out.end;
  const from = at + HEAD_MAX;
  const n = store.copyValue(k, buf, from);
  if (n === Store.MISSING) return respNull(version);
  if (n === Store.NOT_COPIED) return respBulk(store.get(k), version);
  // A byte above 0x7F is a Latin-1 character that goes out as two UTF-8 bytes: respBulk writes it.
  for (let i = from; i < from + n; i++) if ((buf[i] as number) > 0x7f) return respBulk(buf.toString('latin1', from, from + n), version);
  buf[at] = 0x24; // $
  let p = at + 1;
  // n ≤ 4096: its decimal digits, most significant first.
  for (let unit = n >= 1000 ? 1000 : n >= 100 ? 100 : n >= 10 ? 10 : 1; unit >= 1; unit /= 10) buf[p++] = 0x30 + (Math.floor(n / unit) % 10);
  buf[p++] = 0x0d;
  buf[p++] = 0x0a;
  if (p < from) buf.copyWithin(p, from, from + n);
  p += n;
  buf[p++] = 0x0d;
  buf[p++] = 0x0a;
  out.end = p;
  return '';
}

export const get: RespHandler = (args, c, { node }, out) =>
  out === undefined ? respBulk(node.store.get(key(args, 1)), c.version) : bulkInto(node.store, key(args, 1), c.version, out);

/** SET key value [NX|XX] [GET] [EX|PX|EXAT|PXAT time|KEEPTTL]: one write, its expiry set (or kept) with the value. */
export const set: RespHandler = (args, c, { node }) => {
  const k = key(args, 1);
  const value = args[2] as string;
  const store = node.store;
  if (args.length === 3) {
    store.set(k, value);
    return RESP_OK;
  }
  const o = parseStringExpiryOptions(args, 'SET');
  // As Redis: the time is checked before anything is read or written.
  const at = o.expiry === undefined ? 0 : setExpireAt('SET', o.expiry, store.nowMs());
  const old = store.get(k);
  const skip = (o.condition === 'NX' && old !== undefined) || (o.condition === 'XX' && old === undefined);
  if (!skip) store.set(k, value, o.keepTtl ? (store.expireAtOf(k) ?? 0) : at);
  if (o.get) return respBulk(old, c.version);
  return skip ? respNull(c.version) : RESP_OK;
};

export const setnx: RespHandler = (args, _c, { node }) => {
  const k = key(args, 1);
  if (node.store.exists(k)) return respInteger(0);
  node.store.set(k, args[2] as string);
  return respInteger(1);
};

export const getset: RespHandler = (args, c, { node }) => {
  const k = key(args, 1);
  const old = node.store.get(k);
  node.store.set(k, args[2] as string);
  return respBulk(old, c.version);
};

export const getdel: RespHandler = (args, c, { node }) => {
  const k = key(args, 1);
  const old = node.store.get(k);
  if (old !== undefined) node.store.delete(k);
  return respBulk(old, c.version);
};

/** GETEX key [EX|PX|EXAT|PXAT time|PERSIST]: the value, its expiry changed by one write (none without an option). */
export const getex: RespHandler = (args, c, { node }) => {
  const k = key(args, 1);
  const o = parseStringExpiryOptions(args, 'GETEX');
  const store = node.store;
  const at = o.expiry === undefined ? undefined : setExpireAt('GETEX', o.expiry, store.nowMs());
  const value = store.get(k);
  if (value !== undefined) {
    if (at !== undefined) store.expire(k, at);
    else if (o.persist) store.persist(k);
  }
  return respBulk(value, c.version);
};

export const mget: RespHandler = (args, c, { node }, out) => {
  if (out !== undefined) {
    // Every key is checked before any byte is written: a refused key answers with its error alone.
    for (let i = 1; i < args.length; i++) key(args, i);
    out.appendText(`*${args.length - 1}\r\n`);
    for (let i = 1; i < args.length; i++) {
      const reply = bulkInto(node.store, args[i] as string, c.version, out);
      if (typeof reply !== 'string') out.appendBytes(reply);
      else if (reply !== '') out.appendText(reply);
    }
    return '';
  }
  const parts: string[] = [`*${args.length - 1}\r\n`];
  let binary: Buffer[] | undefined;
  for (let i = 1; i < args.length; i++) {
    const reply = respBulk(node.store.get(key(args, i)), c.version);
    if (typeof reply === 'string' && binary === undefined) parts.push(reply);
    else {
      binary ??= parts.map((p) => Buffer.from(p, 'utf8'));
      binary.push(typeof reply === 'string' ? Buffer.from(reply, 'utf8') : reply);
    }
  }
  return binary === undefined ? parts.join('') : Buffer.concat(binary);
};

function pairs(args: readonly string[]): [string, string][] {
  if (args.length % 2 === 0) throw new RespCommandError(`ERR wrong number of arguments for '${(args[0] as string).toLowerCase()}' command`);
  const entries: [string, string][] = [];
  for (let i = 1; i < args.length; i += 2) entries.push([key(args, i), args[i + 1] as string]);
  return entries;
}

export const mset: RespHandler = (args, _c, { node }) => {
  node.store.mset(pairs(args));
  return RESP_OK;
};

export const msetnx: RespHandler = (args, _c, { node }) => {
  const entries = pairs(args);
  if (entries.some(([k]) => node.store.exists(k))) return respInteger(0);
  node.store.mset(entries);
  return respInteger(1);
};

export const strlen: RespHandler = (args, _c, { node }) => {
  const value = node.store.get(key(args, 1));
  return respInteger(value === undefined ? 0 : byteLengthOf(value));
};

export const append: RespHandler = (args, _c, { node }) => respInteger(byteLengthOf(node.store.append(key(args, 1), args[2] as string)));

export const prepend: RespHandler = (args, _c, { node }) => respInteger(byteLengthOf(node.store.prepend(key(args, 1), args[2] as string)));

export const incr: RespHandler = (args, _c, { node }) => respInteger(node.store.incrBy(key(args, 1), 1n));

export const decr: RespHandler = (args, _c, { node }) => respInteger(node.store.incrBy(key(args, 1), -1n));

export const incrby: RespHandler = (args, _c, { node }) => respInteger(node.store.incrBy(key(args, 1), integerArg(args[2] as string)));

export const decrby: RespHandler = (args, _c, { node }) => {
  const by = integerArg(args[2] as string);
  if (by === -9223372036854775808n) throw new RespCommandError('ERR decrement would overflow');
  return respInteger(node.store.incrBy(key(args, 1), -by));
};

const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function floatOf(text: string, what: string): number {
  if (!FLOAT.test(text)) throw new RespCommandError(`ERR ${what}`);
  return Number(text);
}

/** Computed here in IEEE doubles (Redis uses long doubles): the new value is stored as its shortest decimal. */
export const incrbyfloat: RespHandler = (args, c, { node }) => {
  const k = key(args, 1);
  const by = floatOf(args[2] as string, 'value is not a valid float');
  const current = node.store.get(k);
  const base = current === undefined ? 0 : floatOf(current, 'value is not a valid float');
  const sum = base + by;
  if (!Number.isFinite(sum)) throw new RespCommandError('ERR increment would produce NaN or Infinity');
  const text = String(sum);
  node.store.set(k, text);
  return respBulk(text, c.version);
};
