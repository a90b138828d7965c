/**
 * The rules for keys, key-shaped tokens (node ids, cursors, prefixes) and values: ONE definition,
 * used by the text protocol (parse and encode) and by replication when it receives events over
 * MQTT (so a key the protocol would refuse can never enter a store by another door).
 *
 * The `...Problem` functions say what is wrong, or return undefined (no allocation when the
 * input is valid: they run for every key of every request and every replicated event); the
 * `check...` functions throw a {@link ProtocolError} naming the token.
 */
import { MAX_KEY_BYTES, RESERVED_KEYS } from './constants.js';
import { ProtocolError } from './errors.js';
import { show } from './show.js';

/**
 * Why `token` is not a valid key-shaped token, or undefined: non-empty, at most
 * {@link MAX_KEY_BYTES} UTF-8 bytes, no spaces, no control characters (C0, DEL, C1), and no
 * lone surrogate other than an escaped byte (U+DC80..U+DCFF, how the RESP port keeps bytes that
 * are not UTF-8, see merkle's bytes.ts): no door produces another one.
 */
export function tokenProblem(token: string): string | undefined {
  const n = token.length;
  if (n === 0) return 'must not be empty';
  // A UTF-16 unit is at most 3 UTF-8 bytes: only long tokens need counting.
  if (n * 3 > MAX_KEY_BYTES) {
    const bytes = Buffer.byteLength(token, 'utf8');
    if (bytes > MAX_KEY_BYTES) return `is too long (${bytes} bytes, limit ${MAX_KEY_BYTES}): '${show(token)}'`;
  }
  for (let i = 0; i < n; i++) {
    const c = token.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || (c >= 0x80 && c <= 0x9f)) {
      return `must not contain ${c === 0x20 ? 'a space' : 'a control character'}, got '${show(token)}'`;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < n ? token.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
      else if (!isEscapedByte(c)) return `must be valid Unicode (a lone surrogate), got '${show(token)}'`;
    }
  }
  return undefined;
}

/** Why `key` is not a valid key, or undefined: {@link tokenProblem}, and not a reserved key (`END`, `ERROR:`). */
export function keyProblem(key: string): string | undefined {
  const problem = tokenProblem(key);
  if (problem !== undefined) return problem;
  // Only keys starting with 'E' can be reserved.
  if (key.charCodeAt(0) === 0x45 && RESERVED_KEYS.has(key)) return `'${key}' is reserved (it would read as reply framing)`;
  return undefined;
}

/**
 * Why `value` is not a value the protocol can carry, or undefined. Any string is a value (the
 * quoted form carries CR, LF and every control character; the RESP port keeps bytes that are not
 * UTF-8 as escaped bytes U+DC80..U+DCFF) except one holding any other lone surrogate: no door
 * produces one, and it has no byte form, so a client would read back another value.
 */
export function valueProblem(value: string): string | undefined {
  return isWellFormed(value) || onlyEscapedBytes(value) ? undefined : 'must be valid Unicode (it holds a lone surrogate)';
}

/** A lone low surrogate standing for one byte outside UTF-8 (merkle's bytes.ts). */
function isEscapedByte(c: number): boolean {
  return c >= 0xdc80 && c <= 0xdcff;
}

/** True if every lone surrogate of `s` is an escaped byte. */
function onlyEscapedBytes(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = s.charCodeAt(i + 1);
    if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
    else if (!isEscapedByte(c)) return false;
  }
  return true;
}

/**
 * Checks a key-shaped token (a node id, a cursor, a SCAN prefix) and returns it ({@link tokenProblem}).
 * @param what names the token in the message, e.g. `PUTV node id`.
 * @throws ProtocolError `INVALID_KEY`.
 */
export function checkToken(key: string, what: string): string {
  const problem = tokenProblem(key);
  if (problem !== undefined) throw new ProtocolError('INVALID_KEY', `${what} ${problem}`);
  return key;
}

/**
 * Checks a key and returns it ({@link keyProblem}): the reserved keys `END` and `ERROR:` would read
 * as reply framing at the start of a SCAN, LEAF or GETV reply line.
 * @param what names the key in the message, e.g. `GET key`.
 * @throws ProtocolError `INVALID_KEY`.
 */
export function checkKey(key: string, what: string): string {
  const problem = keyProblem(key);
  if (problem !== undefined) throw new ProtocolError('INVALID_KEY', `${what} ${problem}`);
  return key;
}

/**
 * Checks an AUTH user name and returns it: the rules of {@link checkToken},
 * and no leading `"` (a user name is always written raw).
 * @throws ProtocolError `INVALID_KEY`.
 */
export function checkUser(user: string): string {
  checkToken(user, 'AUTH user');
  if (user.startsWith('"')) throw new ProtocolError('INVALID_KEY', `AUTH user must not start with a quote, got '${show(user)}'`);
  return user;
}

/** True if {@link checkKey} accepts `key`. */
export function isValidKey(key: string): boolean {
  return keyProblem(key) === undefined;
}

const wellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/** `String.prototype.isWellFormed` (native in Node 20), or the same check by hand. */
function isWellFormed(s: string): boolean {
  if (wellFormed !== undefined) return wellFormed.call(s);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = s.charCodeAt(i + 1);
    if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return false;
    i++;
  }
  return true;
}
