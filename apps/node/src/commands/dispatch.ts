import type { Command, DecodedItem } from '@merklekv/protocol';
import type { Reply } from '../server/connection.js';
import type { HandlerTable, NodeContext } from './context.js';
import { del, dbsize, exists, get, mget, mset, scan, set } from './key-commands.js';
import { echo, flush, info, ping, shutdown, stats, version } from './server-commands.js';
import { getv, hash, leaf, putv, sync, tree } from './tree-commands.js';
import { append, decr, incr, prepend } from './update-commands.js';

const handlers: HandlerTable = {
  SET: set, GET: get, DEL: del, EXISTS: exists, MGET: mget, MSET: mset, SCAN: scan, DBSIZE: dbsize,
  INCR: incr, DECR: decr, APPEND: append, PREPEND: prepend,
  VERSION: version, INFO: info, STATS: stats, FLUSH: flush, SHUTDOWN: shutdown, PING: ping, ECHO: echo,
  HASH: hash, TREE: tree, LEAF: leaf, GETV: getv, PUTV: putv, SYNC: sync,
};

const errorReply = (err: unknown): string => `ERROR: ${err instanceof Error ? err.message : String(err)}\r\n`;

/**
 * Turns decoded requests into replies. This is where errors become `ERROR`
 * lines: a failing command never affects the connection or other clients.
 */
export function createDispatcher(ctx: NodeContext): (item: DecodedItem) => Reply {
  const { calls, errors } = ctx.counters;
  return (item) => {
    if (item.type === 'error') {
      ctx.counters.protocolErrors++;
      return `ERROR: ${item.message}\r\n`;
    }
    const type = item.type;
    calls[type] = (calls[type] ?? 0) + 1;
    try {
      const reply = (handlers[type] as (command: Command, ctx: NodeContext) => Reply)(item, ctx);
      if (typeof reply === 'string') return reply;
      return reply.catch((err: unknown) => {
        errors[type] = (errors[type] ?? 0) + 1;
        return errorReply(err);
      });
    } catch (err) {
      errors[type] = (errors[type] ?? 0) + 1;
      return errorReply(err);
    }
  };
}
