import type { Command } from '@merklekv/protocol';
import type { Store } from '@merklekv/storage';
import { CRLF, OK, type NodeContext } from './context.js';
import { CommandError } from './errors.js';

/** A handler shared by several command types (Handler<T> is checked per type, so these are spelt out). */
type Shared<T extends Command['type']> = (command: Extract<Command, { type: T }>, ctx: NodeContext) => string;

/**
 * Key expiry (docs/PROTOCOL.md "Key expiry"). Times are turned into an absolute `expireAt` (ms)
 * against the physical part of this node's hybrid clock; the store writes it as a new version.
 */

/** `base + amount × unit`, or an error a user can act on when it leaves the safe range. */
function absolute(command: string, base: number, amount: number, unit: number): number {
  const at = base + amount * unit;
  if (!Number.isSafeInteger(at)) throw new CommandError(`${command} time is out of range (the expiry must be within ±285,000 years)`);
  // A time at or before the epoch is simply in the past: the key is deleted, as Redis does.
  return at < 1 ? 1 : at;
}

export const setex: Shared<'SETEX' | 'PSETEX'> = ({ type, key, ttl, value }, { store }) => {
  store.set(key, value, absolute(type, store.nowMs(), ttl, type === 'SETEX' ? 1000 : 1));
  return OK;
};

export const expire: Shared<'EXPIRE' | 'PEXPIRE' | 'EXPIREAT' | 'PEXPIREAT'> = ({ type, key, time }, { store }) => {
  const relative = type === 'EXPIRE' || type === 'PEXPIRE';
  const unit = type === 'EXPIRE' || type === 'EXPIREAT' ? 1000 : 1;
  const at = absolute(type, relative ? store.nowMs() : 0, time, unit);
  return store.expire(key, at) ? `1${CRLF}` : `0${CRLF}`;
};

/**
 * What TTL (`ms` false) or PTTL (`ms` true) answers for `key`: -2 if it holds no live value, -1 if
 * it has no expiry, else the time left (TTL rounds to the nearest second, as Redis does). Shared
 * by the text and RESP ports.
 */
export function ttlOf(store: Store, key: string, ms: boolean): number {
  const at = store.expireAtOf(key);
  if (at === undefined) return -2;
  if (at === 0) return -1;
  const left = Math.max(0, at - store.nowMs());
  return ms ? left : Math.round(left / 1000);
}

export const ttl: Shared<'TTL' | 'PTTL'> = ({ type, key }, { store }) => `${ttlOf(store, key, type === 'PTTL')}${CRLF}`;

export const persist: Shared<'PERSIST'> = ({ key }, { store }) => (store.persist(key) ? `1${CRLF}` : `0${CRLF}`);
