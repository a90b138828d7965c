import { isWrite, type Command, type DecodedItem } from '@merklekv/protocol';
import type { Reply } from '../server/connection.js';
import type { ReplyBytes } from '../server/reply-bytes.js';
import { backup } from './backup-command.js';
import { CommandError, errorReply } from './errors.js';
import type { HandlerTable, NodeContext } from './context.js';
import { del, dbsize, exists, get, mget, mset, scan, set } from './key-commands.js';
import { echo, flush, info, ping, shutdown, stats, version } from './server-commands.js';
import { getv, hash, leaf, putv, sync, tree } from './tree-commands.js';
import { entries, pentries, peerv, ptrees, putvs, records, stamps, trees } from './peer-sync-commands.js';
import { append, decr, incr, prepend } from './update-commands.js';
import { expire, persist, setex, ttl } from './expiry-commands.js';

const handlers: HandlerTable = {
  SET: set, GET: get, DEL: del, EXISTS: exists, MGET: mget, MSET: mset, SCAN: scan, DBSIZE: dbsize,
  INCR: incr, DECR: decr, APPEND: append, PREPEND: prepend,
  SETEX: setex, PSETEX: setex, EXPIRE: expire, PEXPIRE: expire, EXPIREAT: expire, PEXPIREAT: expire, TTL: ttl, PTTL: ttl, PERSIST: persist,
  VERSION: version, INFO: info, STATS: stats, FLUSH: flush, SHUTDOWN: shutdown, PING: ping, ECHO: echo,
  HASH: hash, TREE: tree, LEAF: leaf, GETV: getv, PUTV: putv, SYNC: sync, BACKUP: backup,
  PEERV: peerv, TREES: trees, ENTRIES: entries, PTREES: ptrees, PENTRIES: pentries, RECORDS: records, STAMPS: stamps, PUTVS: putvs,
  // AUTH needs the connection: the access gate (access.ts) answers it before dispatch.
  AUTH: () => {
    throw new CommandError('Authentication is not enabled on this node');
  },
};

/** Receives command execution times, in seconds (a Prometheus histogram). */
export interface LatencySink {
  observe(labels: { command: string }, seconds: number): void;
}

/** Time one command in this many, on average. */
const LATENCY_SAMPLE = 16;

/** Commands until the next timed one: uniform in [1, 2 × LATENCY_SAMPLE - 1], so LATENCY_SAMPLE on average. */
const sampleGap = (): number => 1 + Math.floor(Math.random() * (2 * LATENCY_SAMPLE - 1));

/**
 * Turns decoded requests into replies. This is where errors become `ERROR`
 * lines: a failing command never affects the connection or other clients. A typed error
 * (ours, with a message for the client) is answered with its message; anything else is a bug,
 * answered `ERROR: Internal error (see the node log)` and logged with its stack (errors.ts).
 */
export function createDispatcher(ctx: NodeContext, latency?: LatencySink): (item: DecodedItem, out?: ReplyBytes) => Reply {
  if (ctx.durableWrites) return awaitDurability(ctx, createDispatcher({ ...ctx, durableWrites: false }, latency));
  const counters = ctx.counters;
  const { calls, errors } = counters;
  // One command in LATENCY_SAMPLE on average is timed, at random gaps (a fixed stride
  // would alias with a client's repeating pattern): the histogram stays representative
  // while most commands cost no clock reads and no random draw. Negative: never.
  let untilSample = latency === undefined ? -1 : sampleGap();
  return (item, out) => {
    if (item.type === 'error') {
      counters.protocolErrors++;
      return `ERROR: ${item.message}\r\n`;
    }
    if (untilSample > 0 && --untilSample === 0) {
      untilSample = sampleGap();
      return timed(item, latency as LatencySink, out);
    }
    return run(item, out);
  };

  function timed(item: Command, sink: LatencySink, out: ReplyBytes | undefined): Reply {
    const started = performance.now();
    const reply = run(item, out);
    const observe = () => sink.observe({ command: item.type }, (performance.now() - started) / 1000);
    if (typeof reply === 'string') observe();
    else void reply.finally(observe);
    return reply;
  }

  function run(item: Command, out: ReplyBytes | undefined): Reply {
    const type = item.type;
    calls[type] = (calls[type] ?? 0) + 1;
    try {
      const reply = (handlers[type] as (command: Command, ctx: NodeContext, out: ReplyBytes | undefined) => Reply)(item, ctx, out);
      if (typeof reply === 'string') return reply;
      return reply.catch((err: unknown) => {
        errors[type] = (errors[type] ?? 0) + 1;
        return errorReply(err, type, ctx.logger);
      });
    } catch (err) {
      errors[type] = (errors[type] ?? 0) + 1;
      return errorReply(err, type, ctx.logger);
    }
  }
}

/**
 * `[storage] sync = "always"`: a write's reply (not an error) is held until `store.durable()`
 * resolved, so an acknowledged write survives a crash; if it cannot be made durable the reply is
 * `ERROR: Storage unavailable (...)`, never OK. While the engine is failing, a write is refused
 * before it is applied. Other replies pass through.
 */
export function awaitDurability(ctx: NodeContext, dispatch: (item: DecodedItem, out?: ReplyBytes) => Reply): (item: DecodedItem, out?: ReplyBytes) => Reply {
  const refuse = (type: string, why: string): string => {
    ctx.counters.calls[type] = (ctx.counters.calls[type] ?? 0) + 1;
    ctx.counters.errors[type] = (ctx.counters.errors[type] ?? 0) + 1;
    return `ERROR: ${why.replace(/[\x00-\x1f\x7f]+/g, ' ')}\r\n`;
  };
  return (item, out) => {
    // The command table's write flag: commands that change the store are answered once durable.
    if (!isWrite(item.type)) return dispatch(item, out);
    const status = ctx.store.engine.writeStatus?.();
    if (status?.failing) return refuse(item.type, status.lastError ?? 'Storage unavailable');
    const reply = dispatch(item);
    return Promise.resolve(reply).then((text) =>
      text.startsWith('ERROR')
        ? text
        : ctx.store.durable().then(
            () => text,
            (err: unknown) => {
              ctx.counters.errors[item.type] = (ctx.counters.errors[item.type] ?? 0) + 1;
              return errorReply(err, item.type, ctx.logger);
            },
          ),
    );
  };
}
