/**
 * RESP key expiry: SETEX, PSETEX, EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, TTL,
 * PTTL, PERSIST (SET's and GETEX's options are in string-commands.ts). Each
 * write is one versioned write through the store's expiry operations, the
 * ones the text port uses, so it replicates like them. EXPIRE's NX/XX/GT/LT
 * are decided on this replica (docs/RESP.md), as SET NX is.
 */
import { RESP_OK, respInteger } from '@merklekv/protocol';
import { ttlOf } from '../commands/expiry-commands.js';
import { keyArg as key, type RespHandler } from './context.js';
import { conditionAllows, expireCommandAt, parseExpireCondition, setExpireAt } from './expiry-options.js';

/** SETEX key seconds value, PSETEX key milliseconds value. */
export const setex: RespHandler = (args, _c, { node }) => {
  const k = key(args, 1);
  const command = (args[0] as string).toUpperCase();
  const at = setExpireAt(command, { unit: command === 'SETEX' ? 'EX' : 'PX', amount: args[2] as string }, node.store.nowMs());
  node.store.set(k, args[3] as string, at);
  return RESP_OK;
};

/** EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT key time [NX|XX|GT|LT]: 1 if the expiry was set (or the key deleted), 0 if not. */
export const expire: RespHandler = (args, _c, { node }) => {
  const k = key(args, 1);
  const command = (args[0] as string).toUpperCase() as 'EXPIRE' | 'PEXPIRE' | 'EXPIREAT' | 'PEXPIREAT';
  const condition = parseExpireCondition(args);
  const { store } = node;
  const at = expireCommandAt(command, args[2] as string, store.nowMs());
  const current = store.expireAtOf(k);
  if (current === undefined || !conditionAllows(condition, current, at)) return respInteger(0);
  // A time at or before the epoch is simply in the past: the key is deleted.
  return respInteger(store.expire(k, Math.max(1, at)) ? 1 : 0);
};

export const ttl: RespHandler = (args, _c, { node }) => respInteger(ttlOf(node.store, key(args, 1), (args[0] as string).toUpperCase() === 'PTTL'));

export const persist: RespHandler = (args, _c, { node }) => respInteger(node.store.persist(key(args, 1)) ? 1 : 0);
