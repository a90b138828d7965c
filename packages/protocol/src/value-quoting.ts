/**
 * Value quoting (docs/PROTOCOL.md "Values"). A value is written raw when that
 * is unambiguous and quoted otherwise; a quoted value is wrapped in `"` with
 * the escapes `\" \\ \n \r \t \0 \xHH`. A token that does not start with `"`
 * is raw, taken as written. The quoted form never holds CR or LF, so any
 * string travels on one line.
 */
import { ProtocolError } from './errors.js';
import { show } from './show.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SPACE = 0x20;
const TAB = 0x09;

/** True if `code` is a C0 control character or DEL. */
function isControl(code: number): boolean {
  return code < 0x20 || code === 0x7f;
}

/**
 * Whole strings free of control characters (C0 and DEL), and also of spaces
 * for tokens. One anchored character-class match runs as compiled regexp code,
 * about 2.5x faster than a charCodeAt loop over a 100-character value: this
 * test runs on every value a GET returns.
 */
const NO_CONTROL = /^[^\x00-\x1f\x7f]*$/;
const NO_CONTROL_OR_SPACE = /^[^\x00-\x20\x7f]*$/;

/**
 * True when a value written raw could be misread: empty, leading or trailing
 * space/tab, a control character, a leading quote, or a reply marker
 * (`(null)`, `END...`, `ERROR...`). With `token`, any space also needs quotes.
 */
function needsQuotes(value: string, token: boolean): boolean {
  const n = value.length;
  if (n === 0) return true;
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(n - 1);
  if (first === QUOTE || first === SPACE || first === TAB || last === SPACE || last === TAB) return true;
  // Only values starting with '(' or 'E' can be reply markers.
  if ((first === 0x28 || first === 0x45) && (value === '(null)' || value.startsWith('END') || value.startsWith('ERROR'))) return true;
  return !(token ? NO_CONTROL_OR_SPACE : NO_CONTROL).test(value);
}

/** The quoted form of any string: `"` + escaped content + `"`. */
export function quoteValue(value: string): string {
  let out = '"';
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    let escape: string | undefined;
    if (c === QUOTE) escape = '\\"';
    else if (c === BACKSLASH) escape = '\\\\';
    else if (c === 0x0a) escape = '\\n';
    else if (c === 0x0d) escape = '\\r';
    else if (c === TAB) escape = '\\t';
    else if (c === 0) escape = '\\0';
    else if (isControl(c)) escape = `\\x${c.toString(16).padStart(2, '0')}`;
    if (escape !== undefined) {
      out += value.slice(from, i) + escape;
      from = i + 1;
    }
  }
  return `${out}${value.slice(from)}"`;
}

/**
 * Writes a value that is the rest of a line (SET, APPEND, PREPEND, ECHO, PING,
 * PUTV, and every reply that carries a value): raw when unambiguous, quoted
 * otherwise. `decodeValue(encodeValue(v)) === v` for every string `v`.
 */
export function encodeValue(value: string): string {
  return needsQuotes(value, false) ? quoteValue(value) : value;
}

/**
 * True when the value whose Latin-1 bytes are `bytes[start..end)` goes on the wire as exactly
 * those bytes: every byte printable ASCII (so its UTF-8 is itself) and {@link encodeValue} leaves
 * it raw. A GET reply can then copy the stored bytes instead of making a string of them; when
 * false, the caller writes `encodeValue` of the string instead.
 */
export function isRawValueBytes(bytes: Uint8Array, start: number, end: number): boolean {
  if (end <= start) return false;
  const first = bytes[start] as number;
  const last = bytes[end - 1] as number;
  if (first === QUOTE || first === SPACE || last === SPACE) return false;
  for (let i = start; i < end; i++) {
    const c = bytes[i] as number;
    if (c < 0x20 || c > 0x7e) return false;
  }
  // Only values starting with '(' or 'E' can be reply markers: `(null)`, `END...`, `ERROR...`.
  if (first === 0x28) return !(end - start === 6 && startsWithAscii(bytes, start, end, '(null)'));
  if (first === 0x45) return !startsWithAscii(bytes, start, end, 'END') && !startsWithAscii(bytes, start, end, 'ERROR');
  return true;
}

function startsWithAscii(bytes: Uint8Array, start: number, end: number, prefix: string): boolean {
  if (end - start < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[start + i] !== prefix.charCodeAt(i)) return false;
  return true;
}

/**
 * Writes a value that must be one space-free token (MSET values): like
 * {@link encodeValue}, but a value holding a space is quoted too.
 */
export function encodeValueToken(value: string): string {
  return needsQuotes(value, true) ? quoteValue(value) : value;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * Reads the quoted string that starts at `text[start]` (a `"`).
 * @returns the decoded value and the index just past the closing quote.
 * @throws ProtocolError `INVALID_VALUE` on an unterminated string or an unknown escape;
 *   `what` names the value in the message (e.g. `SET value`).
 */
export function readQuoted(text: string, start: number, what: string): { value: string; end: number } {
  let out = '';
  let from = start + 1;
  let i = from;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return { value: out + text.slice(from, i), end: i + 1 };
    if (c !== BACKSLASH) {
      i++;
      continue;
    }
    out += text.slice(from, i);
    const e = text.charCodeAt(i + 1);
    let step = 2;
    if (e === QUOTE) out += '"';
    else if (e === BACKSLASH) out += '\\';
    else if (e === 0x6e) out += '\n';
    else if (e === 0x72) out += '\r';
    else if (e === 0x74) out += '\t';
    else if (e === 0x30) out += '\0';
    else if (e === 0x78) {
      const hi = hexDigit(text.charCodeAt(i + 2));
      const lo = hexDigit(text.charCodeAt(i + 3));
      if (hi < 0 || lo < 0) {
        throw new ProtocolError('INVALID_VALUE', `${what} has a bad escape '${show(text.slice(i, i + 4))}': \\x needs two hex digits`);
      }
      out += String.fromCharCode(hi * 16 + lo);
      step = 4;
    } else if (Number.isNaN(e)) {
      break;
    } else {
      throw new ProtocolError('INVALID_VALUE', `${what} has an unknown escape '${show(text.slice(i, i + 2))}' (use \\" \\\\ \\n \\r \\t \\0 or \\xHH)`);
    }
    i += step;
    from = i;
  }
  throw new ProtocolError('INVALID_VALUE', `${what} has no closing quote: '${show(text.slice(start))}'`);
}

/**
 * The inverse of {@link encodeValue} and {@link encodeValueToken}: a token that
 * starts with `"` is unquoted (it must end exactly at its closing quote), any
 * other token is returned as it is.
 * @throws ProtocolError `INVALID_VALUE` if the quoted form is malformed.
 */
export function decodeValue(token: string): string {
  if (token.charCodeAt(0) !== QUOTE) return token;
  const { value, end } = readQuoted(token, 0, 'Value');
  if (end !== token.length) {
    throw new ProtocolError('INVALID_VALUE', `Value has text after its closing quote: '${show(token.slice(end))}'`);
  }
  return value;
}
