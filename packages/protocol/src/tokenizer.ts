/**
 * Index-based scanning of a request line: tokens are separated by one or more
 * spaces (U+0020 only). Working with indexes lets a parser take "the rest of
 * the line" after a token without re-joining anything.
 */
import { ProtocolError } from './errors.js';
import { readQuoted } from './value-quoting.js';
import { show } from './show.js';

const SPACE = 0x20;
const QUOTE = 0x22;

/** The first index at or after `i` that is not a space (`text.length` if none). */
export function skipSpaces(text: string, i: number): number {
  while (i < text.length && text.charCodeAt(i) === SPACE) i++;
  return i;
}

/** The index of the first space at or after `i` (`text.length` if none). */
export function tokenEnd(text: string, i: number): number {
  const space = text.indexOf(' ', i);
  return space === -1 ? text.length : space;
}

/** Every space-separated token from index `i` to the end of the line. */
export function splitTokens(text: string, i: number): string[] {
  const tokens: string[] = [];
  for (let at = skipSpaces(text, i); at < text.length; at = skipSpaces(text, at)) {
    const end = tokenEnd(text, at);
    tokens.push(text.slice(at, end));
    at = end;
  }
  return tokens;
}

/**
 * Reads one value token at `i` (a non-space): a quoted string, which must be
 * followed by a space or the end of the line, or a raw run of non-spaces.
 * @returns the decoded value and the index just past the token.
 * @throws ProtocolError `INVALID_VALUE` for a malformed quoted token.
 */
export function readValueToken(text: string, i: number, what: string): { value: string; end: number } {
  if (text.charCodeAt(i) !== QUOTE) {
    const end = tokenEnd(text, i);
    return { value: text.slice(i, end), end };
  }
  const quoted = readQuoted(text, i, what);
  if (quoted.end < text.length && text.charCodeAt(quoted.end) !== SPACE) {
    throw new ProtocolError('INVALID_VALUE', `${what} needs a space after its closing quote, got '${show(text.slice(quoted.end))}'`);
  }
  return quoted;
}

/**
 * Reads a value that is the rest of the line from `i` (a non-space): taken raw
 * as written, or, if it starts with `"`, one quoted string that may only be
 * followed by spaces.
 * @throws ProtocolError `INVALID_VALUE` for a malformed quoted value.
 */
export function readRestValue(text: string, i: number, what: string): string {
  if (text.charCodeAt(i) !== QUOTE) return text.slice(i);
  const { value, end } = readQuoted(text, i, what);
  const extra = skipSpaces(text, end);
  if (extra !== text.length) {
    throw new ProtocolError('INVALID_VALUE', `${what} has text after its closing quote: '${show(text.slice(extra))}'`);
  }
  return value;
}
