/**
 * The one table of MerkleKV's commands, over both wire formats: the text
 * protocol (docs/PROTOCOL.md) and RESP (docs/RESP.md). Dispatch, access roles,
 * durability, the CLI's help and completion, and `COMMAND` on the RESP port
 * all read it; nothing else states a command's arity or role.
 *
 * A command's arity is derived from its syntax line, so the two cannot drift:
 * `SET key value` takes exactly two arguments, `MGET key [key ...]` one or more.
 */
import type { CommandType } from './command.js';

/**
 * What a command is: `read` reads the store, `write` changes it (answered once
 * durable with `[storage] sync = "always"`), `admin` needs the admin role,
 * `peer` needs a cluster peer (or the admin role), `destructive` is refused to
 * everyone by `[security] admin_commands = false`. No flag: open before AUTH.
 */
export type CommandFlag = 'read' | 'write' | 'admin' | 'peer' | 'destructive';

/** What a connection needs to run a command. */
export type CommandAccess = 'open' | 'read' | 'write' | 'admin' | 'peer';

/** Help sections, in order. */
export type CommandGroup = 'string' | 'generic' | 'connection' | 'server' | 'merklekv';

/** How many arguments a syntax takes, not counting the command name. */
export interface Arity {
  readonly min: number;
  /** `Infinity` when the syntax repeats (`...`). */
  readonly max: number;
}

/** One command as the table states it. */
export interface CommandSpec {
  /** Upper case, as written on the wire. */
  readonly name: string;
  readonly flags: readonly CommandFlag[];
  /** One line for help screens and `COMMAND DOCS`. */
  readonly summary: string;
  /** The help section (Redis' command groups, and MerkleKV's own). */
  readonly group: CommandGroup;
  /** Syntax on the text protocol; absent when the text protocol lacks the command. */
  readonly text?: string;
  /** Other names on the text protocol. */
  readonly textAliases?: readonly string[];
  /** Syntax on the RESP port; absent when RESP lacks the command. */
  readonly resp?: string;
}

/** A table row with what the table derives from it. */
export interface CommandInfo extends CommandSpec {
  readonly access: CommandAccess;
  /** Arguments on the text protocol, when it has the command. */
  readonly textArity?: Arity;
  /** Arguments on the RESP port, when it has the command. */
  readonly respArity?: Arity;
  /** Redis' convention: the argument count with the name, negative when it is a minimum. */
  readonly redisArity?: number;
}

const R = ['read'] as const;
const W = ['write'] as const;

type Row = Omit<CommandSpec, 'group'>;
const inGroup = (group: CommandGroup, rows: readonly Row[]): CommandSpec[] => rows.map((row) => ({ ...row, group }));

/** Every command, in the order help screens list them. */
const SPECS: readonly CommandSpec[] = [
  ...inGroup('string', [
    // RESP options (SET, GETEX, EXPIRE ...) come in any order and may repeat, as in Redis: a conflict is the handler's ERR syntax error.
    { name: 'SET', flags: W, text: 'SET key value', resp: 'SET key value [NX|XX|GET|EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL ...]', summary: 'Store a value under a key (RESP: optionally with NX|XX, GET and an expiry).' },
    { name: 'GET', flags: R, text: 'GET key', resp: 'GET key', summary: 'The value of a key, or nil.' },
    { name: 'SETNX', flags: W, resp: 'SETNX key value', summary: 'Set a key only if this replica does not hold it (1 or 0).' },
    { name: 'GETSET', flags: W, resp: 'GETSET key value', summary: 'Set a key and return its previous value.' },
    { name: 'GETDEL', flags: W, resp: 'GETDEL key', summary: 'Delete a key and return its value.' },
    { name: 'GETEX', flags: W, resp: 'GETEX key [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|PERSIST ...]', summary: "The value of a key, setting or removing its expiry." },
    { name: 'MGET', flags: R, text: 'MGET key [key ...]', resp: 'MGET key [key ...]', summary: 'The values of several keys.' },
    { name: 'MSET', flags: W, text: 'MSET key value [key value ...]', resp: 'MSET key value [key value ...]', summary: 'Set several keys at once.' },
    { name: 'MSETNX', flags: W, resp: 'MSETNX key value [key value ...]', summary: 'Set several keys only if this replica holds none of them (1 or 0).' },
    { name: 'STRLEN', flags: R, resp: 'STRLEN key', summary: 'The length of a value in bytes.' },
    { name: 'APPEND', flags: W, text: 'APPEND key value', resp: 'APPEND key value', summary: 'Append to a value; text: the new value, RESP: its length.' },
    { name: 'PREPEND', flags: W, text: 'PREPEND key value', resp: 'PREPEND key value', summary: 'Prepend to a value; text: the new value, RESP: its length.' },
    { name: 'INCR', flags: W, text: 'INCR key [amount]', resp: 'INCR key', summary: 'Add to the 64-bit integer at a key; the new value.' },
    { name: 'DECR', flags: W, text: 'DECR key [amount]', resp: 'DECR key', summary: 'Subtract from the 64-bit integer at a key; the new value.' },
    { name: 'INCRBY', flags: W, resp: 'INCRBY key increment', summary: 'Add an integer to the integer at a key.' },
    { name: 'DECRBY', flags: W, resp: 'DECRBY key decrement', summary: 'Subtract an integer from the integer at a key.' },
    { name: 'INCRBYFLOAT', flags: W, resp: 'INCRBYFLOAT key increment', summary: 'Add a decimal number to the number at a key.' },
  ]),
  ...inGroup('generic', [
    { name: 'DEL', flags: W, text: 'DEL key [key ...]', textAliases: ['DELETE'], resp: 'DEL key [key ...]', summary: 'Delete keys (a tombstone replicates the delete).' },
    { name: 'UNLINK', flags: W, resp: 'UNLINK key [key ...]', summary: 'Delete keys (as DEL).' },
    { name: 'EXISTS', flags: R, text: 'EXISTS key [key ...]', resp: 'EXISTS key [key ...]', summary: 'How many of the keys exist.' },
    { name: 'TYPE', flags: R, resp: 'TYPE key', summary: 'string, or none.' },
    { name: 'SCAN', flags: R, text: 'SCAN prefix [cursor] [COUNT n]', resp: 'SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]', summary: 'One page of keys, and the cursor of the next.' },
    { name: 'KEYS', flags: R, resp: 'KEYS pattern', summary: 'Every key matching a glob pattern.' },
    { name: 'DBSIZE', flags: R, text: 'DBSIZE', resp: 'DBSIZE', summary: 'The number of live keys.' },
    { name: 'RANDOMKEY', flags: R, resp: 'RANDOMKEY', summary: 'A random live key, or nil.' },
    { name: 'SETEX', flags: W, text: 'SETEX key seconds value', resp: 'SETEX key seconds value', summary: 'Store a value that expires after some seconds.' },
    { name: 'PSETEX', flags: W, text: 'PSETEX key milliseconds value', resp: 'PSETEX key milliseconds value', summary: 'Store a value that expires after some milliseconds.' },
    { name: 'EXPIRE', flags: W, text: 'EXPIRE key seconds', resp: 'EXPIRE key seconds [NX|XX|GT|LT ...]', summary: 'Make a key expire after some seconds.' },
    { name: 'PEXPIRE', flags: W, text: 'PEXPIRE key milliseconds', resp: 'PEXPIRE key milliseconds [NX|XX|GT|LT ...]', summary: 'Make a key expire after some milliseconds.' },
    { name: 'EXPIREAT', flags: W, text: 'EXPIREAT key unix-seconds', resp: 'EXPIREAT key unix-time-seconds [NX|XX|GT|LT ...]', summary: 'Make a key expire at a Unix time in seconds.' },
    { name: 'PEXPIREAT', flags: W, text: 'PEXPIREAT key unix-milliseconds', resp: 'PEXPIREAT key unix-time-milliseconds [NX|XX|GT|LT ...]', summary: 'Make a key expire at a Unix time in milliseconds.' },
    { name: 'TTL', flags: R, text: 'TTL key', resp: 'TTL key', summary: "Seconds until a key expires (-1: never, -2: no key)." },
    { name: 'PTTL', flags: R, text: 'PTTL key', resp: 'PTTL key', summary: "Milliseconds until a key expires (-1: never, -2: no key)." },
    { name: 'PERSIST', flags: W, text: 'PERSIST key', resp: 'PERSIST key', summary: 'Remove the expiry of a key.' },
  ]),
  ...inGroup('connection', [
    { name: 'PING', flags: [], text: 'PING [message]', resp: 'PING [message]', summary: 'PONG, or the message.' },
    { name: 'ECHO', flags: R, text: 'ECHO message', resp: 'ECHO message', summary: 'The message.' },
    { name: 'AUTH', flags: [], text: 'AUTH [user] password', resp: 'AUTH [username] password', summary: 'Authenticate the connection.' },
    { name: 'HELLO', flags: [], resp: 'HELLO [protover [AUTH username password] [SETNAME clientname]]', summary: 'Choose RESP2 or RESP3, optionally authenticate and name the connection.' },
    { name: 'SELECT', flags: R, resp: 'SELECT index', summary: 'Select database 0 (the only one).' },
    { name: 'CLIENT', flags: R, resp: 'CLIENT SETNAME|GETNAME|ID|SETINFO|INFO [arg ...]', summary: 'Connection name, id and details.' },
    { name: 'QUIT', flags: [], resp: 'QUIT', summary: 'Close the connection.' },
    { name: 'RESET', flags: [], resp: 'RESET', summary: 'Reset the connection: RESP2, no name, not authenticated.' },
  ]),
  ...inGroup('server', [
    { name: 'TIME', flags: R, resp: 'TIME', summary: 'The server time: seconds and microseconds.' },
    { name: 'COMMAND', flags: R, resp: 'COMMAND [COUNT|DOCS|INFO [command-name ...]]', summary: 'The command table.' },
    { name: 'CONFIG', flags: R, resp: 'CONFIG GET parameter [parameter ...]', summary: 'The settings clients probe (read-only).' },
    { name: 'VERSION', flags: R, text: 'VERSION', resp: 'VERSION', summary: 'The MerkleKV version.' },
    { name: 'INFO', flags: R, text: 'INFO', resp: 'INFO [section ...]', summary: 'Server information, by section.' },
    { name: 'STATS', flags: R, text: 'STATS', summary: "The node's counters." },
    { name: 'FLUSH', flags: ['write', 'admin', 'destructive'], text: 'FLUSH', summary: 'Delete every key, cluster-wide.' },
    { name: 'FLUSHDB', flags: ['write', 'admin', 'destructive'], resp: 'FLUSHDB [ASYNC|SYNC]', summary: 'Delete every key, cluster-wide (as FLUSH).' },
    { name: 'FLUSHALL', flags: ['write', 'admin', 'destructive'], resp: 'FLUSHALL [ASYNC|SYNC]', summary: 'Delete every key, cluster-wide (as FLUSH).' },
    { name: 'SHUTDOWN', flags: ['admin', 'destructive'], text: 'SHUTDOWN', resp: 'SHUTDOWN [NOSAVE|SAVE]', summary: 'Stop the node gracefully.' },
    { name: 'BACKUP', flags: ['admin'], text: 'BACKUP', summary: 'Write a backup of a persistent store now.' },
  ]),
  ...inGroup('merklekv', [
    { name: 'HASH', flags: ['peer'], text: 'HASH', resp: 'HASH', summary: 'The Merkle root hash, key count and tree shape.' },
    { name: 'TREE', flags: ['peer'], text: 'TREE path', summary: "The children's hashes of a tree node." },
    { name: 'LEAF', flags: ['peer'], text: 'LEAF path [cursor]', summary: 'The keys and digests of a leaf bucket.' },
    { name: 'GETV', flags: ['peer'], text: 'GETV key [key ...]', summary: 'The stored versions of keys.' },
    { name: 'PUTV', flags: ['peer', 'write'], text: 'PUTV key ts node deleted value', summary: 'Merge a version by last-writer-wins.' },
    { name: 'SYNC', flags: ['peer', 'write'], text: 'SYNC host:port', resp: 'SYNC host:port', summary: 'Run one anti-entropy session with a peer now.' },
    { name: 'PEERV', flags: ['peer'], text: 'PEERV version', summary: 'Agree on the peer protocol version.' },
    { name: 'TREES', flags: ['peer'], text: 'TREES width path [path ...]', summary: 'The children of several tree nodes at once.' },
    { name: 'ENTRIES', flags: ['peer'], text: 'ENTRIES width path [path ...]', summary: 'The keys and digests of several buckets at once.' },
    { name: 'PTREES', flags: ['peer'], text: 'PTREES width set [set ...]', summary: 'TREES packed: nodes named by level and index, children in base64url.' },
    { name: 'PENTRIES', flags: ['peer'], text: 'PENTRIES width set [set ...]', summary: 'ENTRIES packed: buckets named by index, digests in base64url.' },
    { name: 'RECORDS', flags: ['peer'], text: 'RECORDS path [path ...]', summary: 'The versions in several buckets at once.' },
    { name: 'STAMPS', flags: ['peer'], text: 'STAMPS path [path ...]', summary: 'The version stamps in several buckets at once.' },
    { name: 'PUTVS', flags: ['peer', 'write'], text: 'PUTVS key ts node deleted value [key ts node deleted value ...]', summary: 'Merge several versions by last-writer-wins.' },
  ]),
];

/**
 * The arguments a syntax line takes. Words outside brackets are required; a
 * bracketed group is optional and counts its longest alternative (`a|b`);
 * `...` makes the count unbounded.
 */
export function arityOf(syntax: string): Arity {
  const words = syntax.split(' ').slice(1);
  let min = 0;
  let max = 0;
  let depth = 0;
  let group: string[] = [];
  for (const word of words) {
    if (word.includes('...')) max = Infinity;
    const opens = (word.match(/\[/g) ?? []).length;
    const closes = (word.match(/\]/g) ?? []).length;
    if (depth === 0 && opens === 0) {
      if (!word.includes('...')) {
        min++;
        max++;
      }
      continue;
    }
    group.push(word);
    depth += opens - closes;
    if (depth === 0) {
      if (!group.some((w) => w.includes('...'))) max += longestAlternative(group.join(' ').replace(/^\[|\]$/g, ''));
      group = [];
    }
  }
  return { min, max };
}

/** Words in the longest `|` alternative of a group body (nested brackets count fully). */
function longestAlternative(body: string): number {
  let best = 0;
  for (const alternative of splitTopLevel(body)) best = Math.max(best, alternative.trim().replace(/[[\]]/g, '').split(' ').filter(Boolean).length);
  return best;
}

function splitTopLevel(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === '|' && depth === 0) {
      parts.push(body.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(body.slice(start));
  return parts;
}

function accessOf(flags: readonly CommandFlag[]): CommandAccess {
  if (flags.includes('peer')) return 'peer';
  if (flags.includes('admin')) return 'admin';
  if (flags.includes('write')) return 'write';
  if (flags.includes('read')) return 'read';
  return 'open';
}

function derive(spec: CommandSpec): CommandInfo {
  const respArity = spec.resp === undefined ? undefined : arityOf(spec.resp);
  return {
    ...spec,
    access: accessOf(spec.flags),
    ...(spec.text === undefined ? {} : { textArity: arityOf(spec.text) }),
    ...(respArity === undefined ? {} : { respArity, redisArity: respArity.min === respArity.max ? respArity.min + 1 : -(respArity.min + 1) }),
  };
}

/** Every command of either wire format, in help order. */
export const COMMAND_TABLE: readonly CommandInfo[] = SPECS.map(derive);

const BY_NAME: ReadonlyMap<string, CommandInfo> = new Map(COMMAND_TABLE.map((c) => [c.name, c]));

/** The commands of the RESP port, by upper-case name. */
export const RESP_COMMANDS: ReadonlyMap<string, CommandInfo> = new Map(COMMAND_TABLE.filter((c) => c.resp !== undefined).map((c) => [c.name, c]));

/** The command called `name` (upper case), on either wire format. */
export function commandInfo(name: string): CommandInfo | undefined {
  return BY_NAME.get(name);
}

/** A text-protocol command's row; every {@link CommandType} has one (checked by the table's test). */
export function textCommand(type: CommandType): CommandInfo & { readonly text: string; readonly textArity: Arity } {
  return BY_NAME.get(type) as CommandInfo & { readonly text: string; readonly textArity: Arity };
}

/** True if the command changes the store (its write is awaited under `sync = "always"`). */
export function isWrite(name: string): boolean {
  return BY_NAME.get(name)?.flags.includes('write') === true;
}
