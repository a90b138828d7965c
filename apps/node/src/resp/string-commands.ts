/**
 * RESP string commands over the store. NX, XX, SETNX, MSETNX and GETSET are
 * decided on this replica: under concurrent writes on other nodes, last
 * writer wins decides (docs/RESP.md).
 */
import { byteLengthOf, RESP_OK, respBulk, respInteger, respNull } from '@merklekv/protocol';
import { integerArg, keyArg as key, RespCommandError, syntaxError, type RespHandler } from './context.js';

const EXPIRY_OPTIONS = new Set(['EX', 'PX', 'EXAT', 'PXAT', 'KEEPTTL', 'PERSIST']);

/** Expiry on the RESP port is not wired yet: its options are refused, never ignored. */
function expiryNotSupported(option: string): RespCommandError {
  return new RespCommandError(
    `ERR ${option} is not supported on the RESP port yet: EX PX EXAT PXAT KEEPTTL and GETEX options are refused rather than ignored; set expiry with SETEX/EXPIRE on the text port (docs/PROTOCOL.md)`,
  );
}

export const get: RespHandler = (args, c, { node }) => respBulk(node.store.get(key(args, 1)), c.version);

export const set: RespHandler = (args, c, { node }) => {
  const k = key(args, 1);
  const value = args[2] as string;
  let condition: 'NX' | 'XX' | undefined;
  let returnOld = false;
  for (let i = 3; i < args.length; i++) {
    const option = (args[i] as string).toUpperCase();
    if ((option === 'NX' || option === 'XX') && condition === undefined) condition = option;
    else if (option === 'GET' && !returnOld) returnOld = true;
    else if (EXPIRY_OPTIONS.has(option) && option !== 'PERSIST') throw expiryNotSupported(`SET ${option}`);
    else throw syntaxError();
  }
  const store = node.store;
  if (condition === undefined && !returnOld) {
    store.set(k, value);
    return RESP_OK;
  }
  const old = store.get(k);
  const skip = (condition === 'NX' && old !== undefined) || (condition === 'XX' && old === undefined);
  if (!skip) store.set(k, value);
  if (returnOld) return respBulk(old, c.version);
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

export const getex: RespHandler = (args, c, { node }) => {
  const k = key(args, 1);
  const option = args[2]?.toUpperCase();
  if (option !== undefined) throw EXPIRY_OPTIONS.has(option) ? expiryNotSupported(`GETEX ${option}`) : syntaxError();
  return respBulk(node.store.get(k), c.version);
};

export const mget: RespHandler = (args, c, { node }) => {
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
