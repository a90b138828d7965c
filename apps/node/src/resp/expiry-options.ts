/**
 * The expiry options of RESP's SET, GETEX and EXPIRE family, parsed and
 * turned into an absolute `expireAt` (ms) the way Redis 7.2 does, with its
 * error replies. Pure: the time `now` is passed in.
 */
import { integerArg, RespCommandError, syntaxError } from './context.js';

/** How an expiry time is given: relative seconds or ms, or a Unix time in seconds or ms. */
export type ExpiryUnit = 'EX' | 'PX' | 'EXAT' | 'PXAT';

export interface ExpiryArg {
  readonly unit: ExpiryUnit;
  /** The time as sent (parsed later, after the syntax is known good, as Redis does). */
  readonly amount: string;
}

/** SET's and GETEX's options. */
export interface StringExpiryOptions {
  condition?: 'NX' | 'XX';
  /** SET ... GET: answer with the previous value. */
  get: boolean;
  expiry?: ExpiryArg;
  keepTtl: boolean;
  persist: boolean;
}

const UNITS: ReadonlySet<string> = new Set(['EX', 'PX', 'EXAT', 'PXAT']);

/**
 * SET's options (from `args[3]`) or GETEX's (from `args[2]`). As Redis, a
 * repeated option is allowed and conflicting ones (NX with XX, two kinds of
 * expiry, KEEPTTL or PERSIST with an expiry) are `ERR syntax error`.
 */
export function parseStringExpiryOptions(args: readonly string[], command: 'SET' | 'GETEX'): StringExpiryOptions {
  const set = command === 'SET';
  const o: StringExpiryOptions = { get: false, keepTtl: false, persist: false };
  for (let i = set ? 3 : 2; i < args.length; i++) {
    const option = (args[i] as string).toUpperCase();
    const hasNext = i + 1 < args.length;
    if (set && (option === 'NX' || option === 'XX') && (o.condition === undefined || o.condition === option)) o.condition = option;
    else if (set && option === 'GET') o.get = true;
    else if (set && option === 'KEEPTTL' && o.expiry === undefined) o.keepTtl = true;
    else if (!set && option === 'PERSIST' && o.expiry === undefined) o.persist = true;
    else if (UNITS.has(option) && !o.keepTtl && !o.persist && (o.expiry === undefined || o.expiry.unit === option) && hasNext) {
      o.expiry = { unit: option as ExpiryUnit, amount: args[++i] as string };
    } else throw syntaxError();
  }
  return o;
}

/** Redis' reply for a time out of range, naming the command as it does (`'set'`, `'getex'`, ...). */
export const invalidExpireTime = (command: string): RespCommandError =>
  new RespCommandError(`ERR invalid expire time in '${command.toLowerCase()}' command`);

const LLONG_MAX = 9223372036854775807n;
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * The absolute expiry (ms) of SET/GETEX/SETEX/PSETEX's time: it must be a
 * positive integer, and (MerkleKV's own limit) within ±285,000 years.
 * A time already past is returned as is: writing it deletes the key, as Redis does.
 */
export function setExpireAt(command: string, expiry: ExpiryArg, nowMs: number): number {
  const amount = integerArg(expiry.amount);
  const seconds = expiry.unit === 'EX' || expiry.unit === 'EXAT';
  if (amount <= 0n || (seconds && amount > LLONG_MAX / 1000n)) throw invalidExpireTime(command);
  let at = seconds ? amount * 1000n : amount;
  if (expiry.unit === 'EX' || expiry.unit === 'PX') at += BigInt(nowMs);
  if (at > SAFE_MAX) throw invalidExpireTime(command);
  return Number(at);
}

/** EXPIRE's NX/XX/GT/LT (Redis 7). */
export interface ExpireCondition {
  nx: boolean;
  xx: boolean;
  gt: boolean;
  lt: boolean;
}

/** EXPIRE's options from `args[3]`, with Redis' errors for an unknown or incompatible one. */
export function parseExpireCondition(args: readonly string[]): ExpireCondition {
  const c: ExpireCondition = { nx: false, xx: false, gt: false, lt: false };
  for (let i = 3; i < args.length; i++) {
    const option = (args[i] as string).toLowerCase();
    if (option === 'nx' || option === 'xx' || option === 'gt' || option === 'lt') c[option] = true;
    else throw new RespCommandError(`ERR Unsupported option ${args[i] as string}`);
  }
  if (c.nx && (c.xx || c.gt || c.lt)) throw new RespCommandError('ERR NX and XX, GT or LT options at the same time are not compatible');
  if (c.gt && c.lt) throw new RespCommandError('ERR GT and LT options at the same time are not compatible');
  return c;
}

/**
 * The absolute expiry (ms) EXPIRE, PEXPIRE, EXPIREAT or PEXPIREAT asks for:
 * any integer (a time at or before now deletes the key), within ±285,000
 * years. Unclamped, so that GT and LT compare what was asked.
 */
export function expireCommandAt(command: 'EXPIRE' | 'PEXPIRE' | 'EXPIREAT' | 'PEXPIREAT', text: string, nowMs: number): number {
  const amount = integerArg(text);
  const seconds = command === 'EXPIRE' || command === 'EXPIREAT';
  const at = (seconds ? amount * 1000n : amount) + (command === 'EXPIRE' || command === 'PEXPIRE' ? BigInt(nowMs) : 0n);
  if (at > SAFE_MAX || at < -SAFE_MAX) throw invalidExpireTime(command);
  return Number(at);
}

/**
 * Whether EXPIRE's condition lets it set `at` over the key's `current`
 * expiry (0 = none, which GT and LT take as infinite, as Redis does).
 */
export function conditionAllows(c: ExpireCondition, current: number, at: number): boolean {
  if (c.nx && current !== 0) return false;
  if (c.xx && current === 0) return false;
  if (c.gt && (current === 0 || at <= current)) return false;
  if (c.lt && current !== 0 && at >= current) return false;
  return true;
}
