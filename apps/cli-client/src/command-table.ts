/**
 * Every CLI command: its usage line, a summary for `help`, an arity check and
 * how it maps onto the client. `set key value words...` stores the words
 * joined by single spaces, as do APPEND, PREPEND, ECHO and PING.
 */
import type { MerkleKVClient } from '@merklekv/client';
import { encodeVersion, parseTreePath } from '@merklekv/protocol';
import { usageError } from './errors.js';
import { formatInfo, formatPairs, listValue, numbered } from './format.js';
import type { Output } from './format.js';

/** One command of the CLI (import/export/help are handled by their own modules). */
export interface CliCommand {
  readonly name: string;
  readonly aliases?: readonly string[];
  /** Arguments, e.g. `key value...`. */
  readonly args: string;
  readonly summary: string;
  readonly minArgs: number;
  /** @default unbounded */
  readonly maxArgs?: number;
  /** Extra argument checks beyond the count; throws a usage error. */
  readonly check?: (args: readonly string[]) => void;
  readonly run: (client: MerkleKVClient, args: readonly string[]) => Promise<Output>;
}

const INTEGER = /^[+-]?\d+$/;

function arg(args: readonly string[], i: number): string {
  return args[i] ?? '';
}

function rest(args: readonly string[], from: number): string {
  return args.slice(from).join(' ');
}

function integerArg(name: string, text: string): bigint {
  if (!INTEGER.test(text)) throw usageError(`${name} must be an integer, got '${text}'`);
  return BigInt(text);
}

/** A time argument of the expiry commands: a safe integer (positive for SETEX/PSETEX). */
function timeArg(text: string, positive: boolean): number {
  const n = Number(text);
  if (!INTEGER.test(text) || !Number.isSafeInteger(n) || (positive && n < 1)) {
    throw usageError(`time must be ${positive ? 'a positive' : 'an'} integer, got '${text}'`);
  }
  return n;
}

function same(text: string): Output {
  return { text, json: text };
}

const DATA: readonly CliCommand[] = [
  {
    name: 'set',
    args: 'key value...',
    summary: 'Store the value (the words joined by single spaces) under key.',
    minArgs: 2,
    run: async (c, a) => same(await c.set(arg(a, 0), rest(a, 1))),
  },
  {
    name: 'get',
    args: 'key',
    summary: 'Print the value of key as stored, or (null).',
    minArgs: 1,
    maxArgs: 1,
    run: async (c, a) => {
      const v = await c.get(arg(a, 0));
      return { text: v ?? '(null)', json: v };
    },
  },
  {
    name: 'del',
    aliases: ['delete'],
    args: 'key...',
    summary: 'Delete key (DELETED or NOT_FOUND); with several keys, print how many were deleted.',
    minArgs: 1,
    run: async (c, a) => {
      if (a.length > 1) {
        const n = await c.delMany(...(a as [string, ...string[]]));
        return { text: String(n), json: n };
      }
      const deleted = await c.del(arg(a, 0));
      return { text: deleted ? 'DELETED' : 'NOT_FOUND', json: deleted };
    },
  },
  ...(['incr', 'decr'] as const).map(
    (name): CliCommand => ({
      name,
      args: 'key [amount]',
      summary: `${name === 'incr' ? 'Add' : 'Subtract'} amount (default 1) ${name === 'incr' ? 'to' : 'from'} the 64-bit integer at key.`,
      minArgs: 1,
      maxArgs: 2,
      check: (a) => {
        if (a[1] !== undefined) integerArg('amount', a[1]);
      },
      run: async (c, a) => {
        const by = a[1] === undefined ? 1n : integerArg('amount', a[1]);
        const n = name === 'incr' ? await c.incr(arg(a, 0), by) : await c.decr(arg(a, 0), by);
        return { text: n.toString(), json: n };
      },
    }),
  ),
  ...(['append', 'prepend'] as const).map(
    (name): CliCommand => ({
      name,
      args: 'key value...',
      summary: `${name === 'append' ? 'Append' : 'Prepend'} the value to key; print the new value.`,
      minArgs: 2,
      run: async (c, a) => same(name === 'append' ? await c.append(arg(a, 0), rest(a, 1)) : await c.prepend(arg(a, 0), rest(a, 1))),
    }),
  ),
  ...(['setex', 'psetex'] as const).map(
    (name): CliCommand => ({
      name,
      args: `key ${name === 'setex' ? 'seconds' : 'ms'} value...`,
      summary: `Store the value under key, expiring in ${name === 'setex' ? 'seconds' : 'ms milliseconds'} (a positive integer).`,
      minArgs: 3,
      check: (a) => void timeArg(a[1] ?? '', true),
      run: async (c, a) => {
        const ttl = timeArg(arg(a, 1), true);
        return same(name === 'setex' ? await c.setex(arg(a, 0), ttl, rest(a, 2)) : await c.psetex(arg(a, 0), ttl, rest(a, 2)));
      },
    }),
  ),
  ...([
    ['expire', 'seconds', 'Make key expire in seconds (0 or less deletes it)'],
    ['pexpire', 'ms', 'Make key expire in ms milliseconds'],
    ['expireat', 'unix-seconds', 'Make key expire at a unix time in seconds'],
    ['pexpireat', 'unix-ms', 'Make key expire at a unix time in milliseconds'],
  ] as const).map(
    ([name, unit, summary]): CliCommand => ({
      name,
      args: `key ${unit}`,
      summary: `${summary}; 1, or 0 when there is no such key.`,
      minArgs: 2,
      maxArgs: 2,
      check: (a) => void timeArg(a[1] ?? '', false),
      run: async (c, a) => {
        const key = arg(a, 0);
        const t = timeArg(arg(a, 1), false);
        const done =
          name === 'expire' ? await c.expire(key, t) : name === 'pexpire' ? await c.pexpire(key, t) : name === 'expireat' ? await c.expireat(key, t) : await c.pexpireat(key, t);
        return { text: done ? '1' : '0', json: done };
      },
    }),
  ),
  ...(['ttl', 'pttl'] as const).map(
    (name): CliCommand => ({
      name,
      args: 'key',
      summary: `${name === 'ttl' ? 'Seconds' : 'Milliseconds'} key has left; -1 without an expiry, -2 when there is no such key.`,
      minArgs: 1,
      maxArgs: 1,
      run: async (c, a) => {
        const n = name === 'ttl' ? await c.ttl(arg(a, 0)) : await c.pttl(arg(a, 0));
        return { text: String(n), json: n };
      },
    }),
  ),
  {
    name: 'persist',
    args: 'key',
    summary: 'Remove the expiry of key; 1, or 0 when it had none or there is no such key.',
    minArgs: 1,
    maxArgs: 1,
    run: async (c, a) => {
      const done = await c.persist(arg(a, 0));
      return { text: done ? '1' : '0', json: done };
    },
  },
  {
    name: 'exists',
    args: 'key...',
    summary: 'How many of the keys exist.',
    minArgs: 1,
    run: async (c, a) => {
      const n = await c.exists(...a);
      return { text: String(n), json: n };
    },
  },
  {
    name: 'mget',
    args: 'key...',
    summary: 'The values of the keys, one per line ((null) when missing).',
    minArgs: 1,
    run: async (c, a) => {
      const values = await c.mget(...a);
      return { text: numbered(values.map(listValue)), json: values };
    },
  },
  {
    name: 'mset',
    args: 'key value [key value...]',
    summary: 'Set several keys at once (each value is one argument).',
    minArgs: 2,
    check: (a) => {
      if (a.length % 2 !== 0) throw usageError('mset needs key value pairs (an even number of arguments)');
    },
    run: async (c, a) => {
      const pairs: [string, string][] = [];
      for (let i = 0; i + 1 < a.length; i += 2) pairs.push([arg(a, i), arg(a, i + 1)]);
      return same(await c.mset(pairs));
    },
  },
  {
    name: 'scan',
    args: 'prefix [cursor] [COUNT n]',
    summary: 'One page of live keys starting with prefix (* = all), as key value lines; prints the next cursor when more remain.',
    minArgs: 1,
    maxArgs: 4,
    check: (a) => parseScanArgs(a),
    run: async (c, a) => {
      const { prefix, cursor, count } = parseScanArgs(a);
      const page = await c.scanPage(prefix, cursor, count);
      const lines = page.entries.map(([k, v]) => `${k} ${listValue(v)}`);
      if (page.cursor !== undefined) lines.push(`(next cursor: ${page.cursor})`);
      return {
        text: lines.length === 0 ? '(empty)' : lines.join('\n'),
        json: { entries: page.entries.map(([key, value]) => ({ key, value })), cursor: page.cursor ?? null },
      };
    },
  },
  {
    name: 'dbsize',
    args: '',
    summary: 'The number of live keys.',
    minArgs: 0,
    maxArgs: 0,
    run: async (c) => {
      const n = await c.dbsize();
      return { text: String(n), json: n };
    },
  },
];

function parseScanArgs(a: readonly string[]): { prefix: string; cursor?: string; count?: number } {
  const prefix = arg(a, 0);
  const tail = a.slice(1);
  let count: number | undefined;
  const at = tail.findIndex((t) => t.toUpperCase() === 'COUNT');
  if (at >= 0) {
    const n = tail[at + 1];
    if (n === undefined || !/^\d+$/.test(n) || at + 2 !== tail.length) throw usageError('scan: COUNT needs a positive integer, last');
    count = Number(n);
    tail.splice(at, 2);
  }
  if (tail.length > 1) throw usageError('usage: scan prefix [cursor] [COUNT n]');
  const cursor = tail[0];
  return { prefix, ...(cursor === undefined ? {} : { cursor }), ...(count === undefined ? {} : { count }) };
}

const SERVER: readonly CliCommand[] = [
  { name: 'ping', args: '[message...]', summary: 'PONG, or the message.', minArgs: 0, run: async (c, a) => same(await c.ping(a.length === 0 ? undefined : rest(a, 0))) },
  { name: 'echo', args: 'message...', summary: 'The message.', minArgs: 1, run: async (c, a) => same(await c.echo(rest(a, 0))) },
  { name: 'version', args: '', summary: 'The server version.', minArgs: 0, maxArgs: 0, run: async (c) => same(await c.version()) },
  {
    name: 'info',
    args: '',
    summary: 'Server information, by section.',
    minArgs: 0,
    maxArgs: 0,
    run: async (c) => {
      const info = await c.info();
      return { text: formatInfo(info), json: Object.fromEntries(Object.entries(info).map(([title, fields]) => [title, typedFields(fields)])) };
    },
  },
  {
    name: 'stats',
    args: '',
    summary: 'The node\'s counters.',
    minArgs: 0,
    maxArgs: 0,
    run: async (c) => {
      const stats = await c.stats();
      return { text: formatPairs(stats), json: typedFields(stats) };
    },
  },
  { name: 'flush', args: '', summary: 'Delete every key, cluster-wide.', minArgs: 0, maxArgs: 0, run: async (c) => same(await c.flush()) },
  { name: 'shutdown', args: '', summary: 'Stop the node gracefully.', minArgs: 0, maxArgs: 0, run: async (c) => same(await c.shutdown()) },
  {
    name: 'backup',
    args: '',
    summary: "Write a snapshot of the node's replica; print its folder.",
    minArgs: 0,
    maxArgs: 0,
    run: async (c) => {
      const reply = String(await c.send({ type: 'BACKUP' }));
      const path = reply.startsWith('OK ') ? reply.slice(3) : reply;
      return { text: reply, json: { path } };
    },
  },
  {
    name: 'auth',
    args: '[user] password',
    summary: 'Authenticate this session (interactive mode; --user/--password do it on connect).',
    minArgs: 1,
    maxArgs: 2,
    run: async (c, a) => {
      const command = a.length === 2 ? { type: 'AUTH' as const, user: arg(a, 0), password: arg(a, 1) } : { type: 'AUTH' as const, password: arg(a, 0) };
      return same(String(await c.send(command)));
    },
  },
];

/** `name:value` fields with numbers as numbers, `true`/`false` as booleans, everything else as text (for --json). */
export function typedFields(fields: Readonly<Record<string, string>>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [name, text] of Object.entries(fields)) {
    if (/^-?(0|[1-9]\d*)(\.\d+)?$/.test(text) && Number.isFinite(Number(text)) && (text.includes('.') || Number.isSafeInteger(Number(text)))) out[name] = Number(text);
    else if (text === 'true' || text === 'false') out[name] = text === 'true';
    else out[name] = text;
  }
  return out;
}

/** `OK round_trips=R bytes=B keys_pulled=P keys_pushed=Q ms=M mode=X` as `{ round_trips, bytes, keys_pulled, keys_pushed, ms, mode }`. */
export function parseSyncReply(reply: string): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const part of reply.replace(/^OK\s*/, '').split(/\s+/)) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const value = part.slice(eq + 1);
    out[part.slice(0, eq)] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  return out;
}

function treePathArg(text: string) {
  try {
    return parseTreePath(text);
  } catch {
    throw usageError(`path must be '-' (the root) or child indexes joined by '.', got '${text}'`);
  }
}

const TREE: readonly CliCommand[] = [
  {
    name: 'hash',
    args: '',
    summary: 'The Merkle root hash, key count and tree shape.',
    minArgs: 0,
    maxArgs: 0,
    run: async (c) => {
      const h = await c.hash();
      return { text: `${h.root} ${h.count} ${h.shape}`, json: h };
    },
  },
  {
    name: 'tree',
    args: 'path',
    summary: "The children's hashes of the tree node at path ('-' = root, '3.15').",
    minArgs: 1,
    maxArgs: 1,
    check: (a) => void treePathArg(arg(a, 0)),
    run: async (c, a) => {
      const hashes = await c.tree(treePathArg(arg(a, 0)));
      return { text: hashes.map((h, i) => `${i} ${h}`).join('\n'), json: hashes };
    },
  },
  {
    name: 'leaf',
    args: 'path [cursor]',
    summary: 'The keys and digests of the leaf bucket at path.',
    minArgs: 1,
    maxArgs: 2,
    check: (a) => void treePathArg(arg(a, 0)),
    run: async (c, a) => {
      const page = await c.leaf(treePathArg(arg(a, 0)), a[1]);
      const lines = page.entries.map((e) => `${e.key} ${e.digest}`);
      if (page.cursor !== undefined) lines.push(`(next cursor: ${page.cursor})`);
      return { text: lines.length === 0 ? '(empty)' : lines.join('\n'), json: { entries: page.entries, cursor: page.cursor ?? null } };
    },
  },
  {
    name: 'getv',
    args: 'key...',
    summary: 'The stored versions of the keys: key ts node deleted value (or key -).',
    minArgs: 1,
    run: async (c, a) => {
      const versions = await c.getv(a);
      return { text: versions.map((v, i) => (v === null ? `${arg(a, i)} -` : encodeVersion(v))).join('\n'), json: versions };
    },
  },
  {
    name: 'putv',
    args: 'key ts node deleted(0|1) value...',
    summary: 'Merge a version through last-writer-wins (APPLIED or STALE).',
    minArgs: 4,
    check: (a) => void putvArgs(a),
    run: async (c, a) => same(await c.putv(putvArgs(a))),
  },
  {
    name: 'sync',
    args: 'host:port',
    summary: 'Run one anti-entropy session with a peer.',
    minArgs: 1,
    maxArgs: 1,
    run: async (c, a) => {
      const reply = await c.sync(arg(a, 0));
      return { text: reply, json: parseSyncReply(reply) };
    },
  },
];

function putvArgs(a: readonly string[]) {
  const ts = arg(a, 1);
  const deleted = arg(a, 3);
  if (!/^\d+$/.test(ts) || !Number.isSafeInteger(Number(ts))) throw usageError(`putv: ts must be a non-negative integer, got '${ts}'`);
  if (deleted !== '0' && deleted !== '1') throw usageError(`putv: deleted must be 0 or 1, got '${deleted}'`);
  return { key: arg(a, 0), ts: Number(ts), node: arg(a, 2), deleted: deleted === '1', value: rest(a, 4) };
}

/** Every protocol command the CLI offers, in help order. */
export const COMMANDS: readonly CliCommand[] = [...DATA, ...SERVER, ...TREE];

/** The command called `name` (case-insensitive, aliases included). */
export function findCommand(name: string): CliCommand | undefined {
  const lower = name.toLowerCase();
  return COMMANDS.find((c) => c.name === lower || (c.aliases ?? []).includes(lower));
}

/** Checks the argument count and shape; throws a usage error naming the usage line. */
export function checkArgs(cmd: CliCommand, args: readonly string[]): void {
  if (args.length < cmd.minArgs || (cmd.maxArgs !== undefined && args.length > cmd.maxArgs)) {
    throw usageError(`usage: ${cmd.name}${cmd.args === '' ? '' : ` ${cmd.args}`}`);
  }
  cmd.check?.(args);
}
