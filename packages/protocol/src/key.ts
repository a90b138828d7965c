import { MAX_KEY_BYTES, RESERVED_KEYS } from './constants.js';
import { ProtocolError } from './errors.js';
import { show } from './show.js';

/**
 * Checks a key-shaped token (a node id, a cursor, a SCAN prefix) and returns
 * it: non-empty, at most {@link MAX_KEY_BYTES} UTF-8 bytes, no spaces or
 * control characters (C0, DEL, C1).
 * @param what names the token in the message, e.g. `PUTV node id`.
 * @throws ProtocolError `INVALID_KEY`.
 */
export function checkToken(key: string, what: string): string {
  if (key.length === 0) throw new ProtocolError('INVALID_KEY', `${what} must not be empty`);
  // A UTF-16 unit is at most 3 UTF-8 bytes: only long keys need counting.
  if (key.length * 3 > MAX_KEY_BYTES) {
    const bytes = Buffer.byteLength(key, 'utf8');
    if (bytes > MAX_KEY_BYTES) {
      throw new ProtocolError('INVALID_KEY', `${what} is too long (${bytes} bytes, limit ${MAX_KEY_BYTES}): '${show(key)}'`);
    }
  }
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || (c >= 0x80 && c <= 0x9f)) {
      const problem = c === 0x20 ? 'a space' : 'a control character';
      throw new ProtocolError('INVALID_KEY', `${what} must not contain ${problem}, got '${show(key)}'`);
    }
  }
  return key;
}

/**
 * Checks a key and returns it: the rules of {@link checkToken}, and not one of
 * the reserved keys `END` and `ERROR:`, which would read as reply framing at
 * the start of a SCAN, LEAF or GETV reply line.
 * @param what names the key in the message, e.g. `GET key`.
 * @throws ProtocolError `INVALID_KEY`.
 */
export function checkKey(key: string, what: string): string {
  checkToken(key, what);
  if (RESERVED_KEYS.has(key)) {
    throw new ProtocolError('INVALID_KEY', `${what} '${key}' is reserved (it would read as reply framing)`);
  }
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
  try {
    checkKey(key, 'Key');
    return true;
  } catch {
    return false;
  }
}
