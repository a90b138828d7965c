/**
 * Turns RESP requests into replies: finds the command in the table, checks
 * its arity and the access gate, runs its handler over the shared store, and
 * words every failure as a RESP error. Counters (calls, errors, latency) are
 * the node's own, shared with the text port.
 */
import { isWrite, RESP_COMMANDS, respError, type RespBytes } from '@merklekv/protocol';
import { StorageError } from '@merklekv/storage';
import type { LatencySink } from '../commands/dispatch.js';
import { isTypedError } from '../commands/errors.js';
import type { Logger } from '../logger.js';
import { command } from './command-command.js';
import { auth, client, echo, hello, ping, quit, reset, select } from './connection-commands.js';
import { RespCommandError, type RespContext, type RespHandler } from './context.js';
import * as expiry from './expiry-commands.js';
import { dbsize, del, exists, keys, randomkey, scan, type } from './key-commands.js';
import type { ReplyBytes } from '../server/reply-bytes.js';
import type { RespConnection, RespExecute, RespReply } from './resp-connection.js';
import { UnknownCursorError } from './scan-cursors.js';
import { config, flushdb, hash, info, shutdown, sync, time, version } from './server-commands.js';
import * as strings from './string-commands.js';

/** One handler per RESP row of the command table (checked by the RESP tests). */
export const RESP_HANDLERS: Readonly<Record<string, RespHandler>> = {
  GET: strings.get, SET: strings.set, SETNX: strings.setnx, GETSET: strings.getset, GETDEL: strings.getdel, GETEX: strings.getex,
  MGET: strings.mget, MSET: strings.mset, MSETNX: strings.msetnx, STRLEN: strings.strlen, APPEND: strings.append, PREPEND: strings.prepend,
  INCR: strings.incr, DECR: strings.decr, INCRBY: strings.incrby, DECRBY: strings.decrby, INCRBYFLOAT: strings.incrbyfloat,
  SETEX: expiry.setex, PSETEX: expiry.setex, EXPIRE: expiry.expire, PEXPIRE: expiry.expire, EXPIREAT: expiry.expire, PEXPIREAT: expiry.expire,
  TTL: expiry.ttl, PTTL: expiry.ttl, PERSIST: expiry.persist,
  DEL: del, UNLINK: del, EXISTS: exists, TYPE: type, SCAN: scan, KEYS: keys, DBSIZE: dbsize, RANDOMKEY: randomkey,
  PING: ping, ECHO: echo, AUTH: auth, HELLO: hello, SELECT: select, CLIENT: client, QUIT: quit, RESET: reset,
  TIME: time, COMMAND: command, CONFIG: config, VERSION: version, INFO: info,
  FLUSHDB: flushdb, FLUSHALL: flushdb, SHUTDOWN: shutdown, HASH: hash, SYNC: sync,
};

const TRANSACTIONS = 'MerkleKV replicates every write on its own and resolves conflicts per key by last-writer-wins, so it cannot run several commands as one atomic unit';
const SCRIPTS = 'MerkleKV runs no server-side scripts or functions: a script could not run atomically across replicas that each accept writes';
const PUBSUB = 'MerkleKV offers no pub/sub channels (it replicates through MQTT internally; use an MQTT broker for messaging)';

/** Redis commands MerkleKV deliberately lacks, with why. */
const REFUSED: ReadonlyMap<string, string> = new Map([
  ...['MULTI', 'EXEC', 'DISCARD', 'WATCH', 'UNWATCH'].map((name) => [name, TRANSACTIONS] as const),
  ...['EVAL', 'EVALSHA', 'EVAL_RO', 'EVALSHA_RO', 'SCRIPT', 'FCALL', 'FCALL_RO', 'FUNCTION'].map((name) => [name, SCRIPTS] as const),
  ...['SUBSCRIBE', 'UNSUBSCRIBE', 'PSUBSCRIBE', 'PUNSUBSCRIBE', 'SSUBSCRIBE', 'SUNSUBSCRIBE', 'PUBLISH', 'SPUBLISH', 'PUBSUB'].map((name) => [name, PUBSUB] as const),
]);

/** Time one command in this many, on average, as the text port does. */
const LATENCY_SAMPLE = 16;

/** Commands until the next timed one: uniform in [1, 2 × LATENCY_SAMPLE - 1] (random gaps never alias with a client's pattern). */
const sampleGap = (): number => 1 + Math.floor(Math.random() * (2 * LATENCY_SAMPLE - 1));

/** A short, printable rendering of client-supplied text for an error message. */
function shown(text: string): string {
  const clipped = text.length > 64 ? `${text.slice(0, 64)}...` : text;
  return clipped.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function createRespDispatcher(ctx: RespContext, logger: Logger, latency?: LatencySink): RespExecute {
  const { calls, errors } = ctx.node.counters;
  const durable = ctx.node.durableWrites === true;

  function failure(name: string, err: unknown): RespBytes {
    errors[name] = (errors[name] ?? 0) + 1;
    if (err instanceof RespCommandError || err instanceof UnknownCursorError) return respError(err.message);
    if (err instanceof StorageError) {
      switch (err.code) {
        case 'NOT_AN_INTEGER':
          return respError('ERR value is not an integer or out of range');
        case 'INTEGER_OVERFLOW':
          return respError('ERR increment or decrement would overflow');
        case 'STORAGE_FULL':
          return respError("OOM command not allowed: storage full ([storage] memory_limit_mb)");
        default:
          break;
      }
    }
    // Every package's typed error (and the text handlers' CommandError) is written for the client,
    // as on the text port (commands/errors.ts); anything else is a bug.
    if (isTypedError(err)) return respError(`ERR ${err.message.replace(/[\x00-\x1f\x7f]+/g, ' ')}`);
    logger.error({ err, command: name }, 'RESP command failed unexpectedly');
    return respError(`ERR internal error running ${name}; the node logged the cause`);
  }

  function settle(name: string, reply: RespReply): RespReply {
    if (typeof reply === 'string' || Buffer.isBuffer(reply)) {
      if (!durable || !isWrite(name) || (typeof reply === 'string' && reply.startsWith('-'))) return reply;
      return ctx.node.store.durable().then(
        () => reply,
        (err: unknown) => failure(name, err),
      );
    }
    return reply.then(
      (bytes) => settle(name, bytes),
      (err: unknown) => failure(name, err),
    );
  }

  let untilSample = latency === undefined ? -1 : sampleGap();

  return (args: string[], connection: RespConnection, out?: ReplyBytes): RespReply => {
    const given = args[0] as string;
    let name = given;
    let row = RESP_COMMANDS.get(name);
    if (row === undefined) {
      name = given.toUpperCase();
      row = RESP_COMMANDS.get(name);
    }
    if (connection.refusedMulti) {
      // A client that pipelines MULTI ... EXEC must not see its commands run one by one.
      if (name === 'EXEC' || name === 'DISCARD') connection.refusedMulti = false;
      else {
        ctx.node.counters.protocolErrors++;
        return respError(`ERR ${name} not run: this connection sent MULTI, which MerkleKV does not support; send DISCARD or EXEC to leave it`);
      }
    }
    if (row === undefined) {
      ctx.node.counters.protocolErrors++;
      if (name === 'MULTI') connection.refusedMulti = true;
      const why = REFUSED.get(name);
      if (why !== undefined) return respError(`ERR ${name} is not supported: ${why}`);
      const rest = args.slice(1, 4).map((a) => `'${shown(a)}' `).join('');
      return respError(`ERR unknown command '${shown(given)}', with args beginning with: ${rest}`);
    }
    const arity = row.respArity as { min: number; max: number };
    const n = args.length - 1;
    if (n < arity.min || n > arity.max) {
      ctx.node.counters.protocolErrors++;
      return respError(`ERR wrong number of arguments for '${name.toLowerCase()}' command`);
    }
    if (row.access !== 'open') {
      const refusal = ctx.gate.refusal(name, connection);
      if (refusal !== undefined) {
        if (refusal === 'Authentication required') return respError('NOAUTH Authentication required.');
        if (refusal.startsWith('Permission denied')) return respError(`NOPERM ${refusal}`);
        return respError(`ERR ${refusal}`);
      }
    }
    calls[name] = (calls[name] ?? 0) + 1;
    const handler = RESP_HANDLERS[name] as RespHandler;
    const timed = untilSample > 0 && --untilSample === 0;
    const started = timed ? performance.now() : 0;
    let reply: RespReply;
    try {
      reply = settle(name, handler(args, connection, ctx, out));
    } catch (err) {
      reply = failure(name, err);
    }
    if (timed) {
      untilSample = sampleGap();
      const observe = () => latency?.observe({ command: name }, (performance.now() - started) / 1000);
      if (typeof reply === 'string' || Buffer.isBuffer(reply)) observe();
      else void reply.finally(observe);
    }
    return reply;
  };
}
