import type { ReplyBytes } from '../server/reply-bytes.js';
import { checkKey, holdsEscapedBytes, isValidKey } from '@merklekv/protocol';
import type { AccessGate } from '../commands/access.js';
import type { NodeContext } from '../commands/context.js';
import type { RespConnection, RespReply } from './resp-connection.js';
import type { ScanCursors } from './scan-cursors.js';

/** The Redis version the RESP port answers to in INFO, HELLO and COMMAND (what it emulates). */
export const EMULATED_REDIS_VERSION = '7.2.0';

/** What RESP handlers may use: the node's context (store, counters, ...), the access gate and the listener. */
export interface RespContext {
  readonly node: NodeContext;
  readonly gate: AccessGate;
  /** Where the RESP listener is bound (INFO, CONFIG GET port). */
  readonly address: () => { readonly host: string; readonly port: number };
  /** Open RESP connections. */
  readonly connectionCount: () => number;
  /** SCAN cursors, shared by every RESP connection of the node. */
  readonly cursors: ScanCursors;
}

/** A handler: the request's arguments (the name first, as sent), the connection, the context. */
/**
 * A RESP command's handler. Given `out` (the connection's reply bytes, server/reply-bytes.ts), it
 * may append its reply's bytes there instead and return ''.
 */
export type RespHandler = (args: readonly string[], connection: RespConnection, ctx: RespContext, out?: ReplyBytes) => RespReply;

/**
 * An error a handler throws to answer with a RESP error: `message` starts
 * with the code word (`ERR ...`, `WRONGTYPE ...`), as Redis writes it.
 */
export class RespCommandError extends Error {
  override readonly name = 'RespCommandError';
}

/** `-ERR syntax error`. */
export const syntaxError = (): RespCommandError => new RespCommandError('ERR syntax error');

/** Redis' wording for an argument that is not a 64-bit integer. */
export const notInteger = (): RespCommandError => new RespCommandError('ERR value is not an integer or out of range');

/**
 * The key at `args[i]`, checked by the text protocol's key rules (non-empty,
 * at most 1024 bytes, no spaces or control characters) and valid UTF-8, so
 * that every key can be read and written on both ports.
 * @throws ProtocolError or RespCommandError naming the command and the problem
 */
export function keyArg(args: readonly string[], i: number): string {
  const key = args[i] as string;
  if (isValidKey(key) && !holdsEscapedBytes(key)) return key;
  // The error path only: name the command in the message.
  const what = `${(args[0] as string).toUpperCase()} key`;
  checkKey(key, what);
  throw new RespCommandError(`ERR ${what} must be valid UTF-8`);
}

/** Parses a 64-bit signed integer argument the way Redis does (no spaces, no `+`, no leading zeros). */
export function integerArg(text: string): bigint {
  if (!/^(0|-?[1-9][0-9]{0,18})$/.test(text)) throw notInteger();
  const n = BigInt(text);
  if (n > 9223372036854775807n || n < -9223372036854775808n) throw notInteger();
  return n;
}
