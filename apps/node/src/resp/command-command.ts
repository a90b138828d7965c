/**
 * COMMAND, COMMAND COUNT, COMMAND INFO and COMMAND DOCS: the RESP port's rows
 * of the command table (@merklekv/protocol), in Redis' reply shapes.
 */
import { encodeReply, RESP_COMMANDS, type CommandInfo, type RespValue } from '@merklekv/protocol';
import { RespCommandError, type RespHandler } from './context.js';

/** Redis' command flags for a row's table flags. */
function redisFlags(c: CommandInfo): RespValue {
  const flags: string[] = [];
  if (c.flags.includes('write')) flags.push('write', 'denyoom');
  else if (c.flags.includes('read')) flags.push('readonly');
  if (c.flags.includes('admin') || c.flags.includes('peer')) flags.push('admin');
  if (c.access === 'open') flags.push('no-auth');
  flags.push('fast');
  return { set: flags.map((simple) => ({ simple })) };
}

/** First key, last key (-1: to the end) and step, read off the syntax's `key` words. */
function keyPositions(c: CommandInfo): [number, number, number] {
  const words = (c.resp as string).replace(/[[\]]/g, '').split(' ');
  const at = words.flatMap((w, i) => (w === 'key' ? [i] : []));
  const first = at[0];
  if (first === undefined) return [0, 0, 0];
  const second = at[1];
  if (second !== undefined && (c.resp as string).includes('...')) return [first, -1, second - first];
  return [first, first, 1];
}

function infoOf(c: CommandInfo): RespValue {
  const [first, last, step] = keyPositions(c);
  return [c.name.toLowerCase(), c.redisArity ?? 0, redisFlags(c), first, last, step, { set: [] }, [], [], []];
}

function docsOf(c: CommandInfo): RespValue {
  return {
    map: [
      ['summary', c.summary],
      ['since', '1.0.0'],
      ['group', c.group],
      ['syntax', c.resp as string],
    ],
  };
}

const named = (args: readonly string[]): (CommandInfo | undefined)[] => args.slice(2).map((name) => RESP_COMMANDS.get(name.toUpperCase()));

export const command: RespHandler = (args, c) => {
  const sub = args[1]?.toUpperCase();
  const all = [...RESP_COMMANDS.values()];
  switch (sub) {
    case undefined:
      return encodeReply(all.map(infoOf), c.version);
    case 'COUNT':
      return encodeReply(all.length, c.version);
    case 'INFO':
      return encodeReply(args.length === 2 ? all.map(infoOf) : named(args).map((row) => (row === undefined ? null : infoOf(row))), c.version);
    case 'DOCS': {
      const rows = args.length === 2 ? all : named(args).filter((row): row is CommandInfo => row !== undefined);
      return encodeReply({ map: rows.map((row) => [row.name.toLowerCase(), docsOf(row)] as const) }, c.version);
    }
    default:
      throw new RespCommandError(`ERR unknown subcommand '${args[1] as string}'. MerkleKV's COMMAND offers COUNT, INFO and DOCS.`);
  }
};
