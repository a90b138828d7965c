/**
 * RESP reply encoding, for RESP2 and RESP3 (after `HELLO 3`). A reply is
 * built as a {@link RespValue} tree, or with the one-value helpers on the hot
 * path, and encoded for the connection's protocol version. RESP3-only types
 * fall back as Redis does on RESP2: a map becomes a flat array, a set an
 * array, a double a bulk string, a boolean the integer 1 or 0, a verbatim
 * string a bulk string.
 */
import { holdsEscapedBytes, stringToBytes } from '@merklekv/merkle';

/** The RESP version a connection speaks. */
export type RespVersion = 2 | 3;

/** A reply value. A JavaScript string is a bulk string; `null` is nil. */
export type RespValue =
  | string
  | null
  | number
  | bigint
  | readonly RespValue[]
  | { readonly simple: string }
  | { readonly error: string }
  | { readonly double: number }
  | { readonly bool: boolean }
  | { readonly map: readonly (readonly [RespValue, RespValue])[] }
  | { readonly set: readonly RespValue[] }
  | { readonly verbatim: string };

/** An encoded reply: text (sent as UTF-8), or bytes when it carries escaped bytes. */
export type RespBytes = string | Buffer;

const CRLF = '\r\n';

/** `+OK`. */
export const RESP_OK = `+OK${CRLF}`;

/** Removes CR and LF, which would end a simple string or error early. */
function oneLine(text: string): string {
  return text.includes('\r') || text.includes('\n') ? text.replace(/[\r\n]+/g, ' ') : text;
}

/** A simple string: `+text`. */
export function respSimple(text: string): string {
  return `+${oneLine(text)}${CRLF}`;
}

/**
 * An error reply. `message` starts with its code word (`ERR`, `WRONGTYPE`,
 * `NOAUTH`, ...): `respError('ERR unknown command')`.
 */
export function respError(message: string): string {
  return `-${oneLine(message)}${CRLF}`;
}

/** An integer: `:n`. */
export function respInteger(n: number | bigint): string {
  return `:${n}${CRLF}`;
}

/** Nil: `$-1` on RESP2, `_` on RESP3. */
export function respNull(version: RespVersion): string {
  return version === 3 ? `_${CRLF}` : `$-1${CRLF}`;
}

/** A bulk string, or nil for undefined/null. Bytes only when the value carries escaped bytes. */
export function respBulk(value: string | undefined | null, version: RespVersion): RespBytes {
  if (value === undefined || value === null) return respNull(version);
  if (!holdsEscapedBytes(value)) return `$${Buffer.byteLength(value, 'utf8')}${CRLF}${value}${CRLF}`;
  const bytes = stringToBytes(value);
  return Buffer.concat([Buffer.from(`$${bytes.length}${CRLF}`), bytes, Buffer.from(CRLF)]);
}

/** A double as Redis writes it: `inf`, `-inf`, `nan`, or the shortest exact decimal. */
export function formatDouble(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  return String(n);
}

/** Encodes any reply value for a protocol version. */
export function encodeReply(value: RespValue, version: RespVersion): RespBytes {
  const parts: RespBytes[] = [];
  let binary = false;
  const push = (part: RespBytes): void => {
    if (typeof part !== 'string') binary = true;
    parts.push(part);
  };
  const walk = (v: RespValue): void => {
    if (v === null) return push(respNull(version));
    if (typeof v === 'string') return push(respBulk(v, version));
    if (typeof v === 'number' || typeof v === 'bigint') return push(respInteger(typeof v === 'number' ? Math.trunc(v) : v));
    if (Array.isArray(v)) {
      push(`*${v.length}${CRLF}`);
      for (const item of v as readonly RespValue[]) walk(item);
      return;
    }
    const o = v as Exclude<RespValue, string | null | number | bigint | readonly RespValue[]>;
    if ('simple' in o) return push(respSimple(o.simple));
    if ('error' in o) return push(respError(o.error));
    if ('double' in o) return push(version === 3 ? `,${formatDouble(o.double)}${CRLF}` : respBulk(formatDouble(o.double), version));
    if ('bool' in o) return push(version === 3 ? `#${o.bool ? 't' : 'f'}${CRLF}` : respInteger(o.bool ? 1 : 0));
    if ('map' in o) {
      push(version === 3 ? `%${o.map.length}${CRLF}` : `*${o.map.length * 2}${CRLF}`);
      for (const [k, item] of o.map) {
        walk(k);
        walk(item);
      }
      return;
    }
    if ('set' in o) {
      push(`${version === 3 ? '~' : '*'}${o.set.length}${CRLF}`);
      for (const item of o.set) walk(item);
      return;
    }
    if (version === 2) return push(respBulk(o.verbatim, version));
    const body = `txt:${o.verbatim}`;
    push(`=${Buffer.byteLength(body, 'utf8')}${CRLF}${body}${CRLF}`);
  };
  walk(value);
  if (!binary) return parts.join('');
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
}

/** A request as clients send it: an array of bulk strings (the arguments, escaped bytes restored). */
export function encodeRequest(args: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}${CRLF}`)];
  for (const arg of args) {
    const bytes = stringToBytes(arg);
    parts.push(Buffer.from(`$${bytes.length}${CRLF}`), bytes, Buffer.from(CRLF));
  }
  return Buffer.concat(parts);
}
