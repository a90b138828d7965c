/**
 * Bytes ⇄ strings, binary-safe: the one codec of every layer (the RESP port in
 * protocol, the version digest and key hash here, the storage engines). Values
 * live in the store as JavaScript strings; a RESP client may send any bytes. Valid UTF-8 becomes
 * the same text the text port would store; every byte that is not part of
 * valid UTF-8 becomes one lone low surrogate U+DC80..U+DCFF (Python's
 * `surrogateescape`, PEP 383), which valid UTF-8 can never produce. So
 * `stringToBytes(bytesToString(b))` is `b` for every byte string, and text
 * written on either port reads back the same on the other.
 */

const REPLACEMENT = '\uFFFD';
const ESCAPE_BASE = 0xdc00;

/** `String.prototype.isWellFormed` (ES2024, in Node 20): no lone surrogates. */
const isWellFormed = (text: string): boolean => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

/** Buffer's own UTF-8 slicer (what `toString('utf8', …)` ends in, without its argument checks), if this runtime has it. */
type Utf8Slicer = (this: Buffer, start: number, end: number) => string;
const nativeUtf8Slice = (Buffer.prototype as unknown as { utf8Slice?: Utf8Slicer }).utf8Slice;
const utf8Slice: (b: Buffer, start: number, end: number) => string =
  typeof nativeUtf8Slice === 'function' ? (b, start, end) => nativeUtf8Slice.call(b, start, end) : (b, start, end) => b.toString('utf8', start, end);

/**
 * The string for `buf[start..end)`: its UTF-8 text, with each byte outside
 * valid UTF-8 escaped as U+DC80 + (byte − 0x80).
 */
export function bytesToString(buf: Buffer, start = 0, end = buf.length): string {
  const text = utf8Slice(buf, start, end);
  // Invalid UTF-8 always decodes to U+FFFD: without one, the fast decode is exact.
  return text.includes(REPLACEMENT) ? decodeEscaping(buf, start, end) : text;
}

/** True if the string holds an escaped byte (it is not plain text). */
export function holdsEscapedBytes(text: string): boolean {
  return !isWellFormed(text);
}

/** The bytes a string stands for: its UTF-8, with escaped bytes (U+DC80..U+DCFF) restored. */
export function stringToBytes(text: string): Buffer {
  return isWellFormed(text) ? Buffer.from(text, 'utf8') : encodeEscaped(text);
}

/** The length of {@link stringToBytes}(text), without building it when the string is well formed. */
export function byteLengthOf(text: string): number {
  return isWellFormed(text) ? Buffer.byteLength(text, 'utf8') : encodeEscaped(text).length;
}

function decodeEscaping(buf: Buffer, start: number, end: number): string {
  let out = '';
  let i = start;
  while (i < end) {
    const n = validSequenceLength(buf, i, end);
    if (n === 0) {
      out += String.fromCharCode(ESCAPE_BASE + (buf[i] as number));
      i++;
    } else {
      out += utf8Slice(buf, i, i + n);
      i += n;
    }
  }
  return out;
}

/** The length of the valid UTF-8 sequence at `i` (1..4), or 0 when the byte there starts none. */
function validSequenceLength(b: Uint8Array, i: number, end: number): number {
  const c = b[i] as number;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => i + k < end && (b[i + k] as number) >= lo && (b[i + k] as number) <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const lo = c === 0xe0 ? 0xa0 : 0x80;
    const hi = c === 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const lo = c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

function encodeEscaped(text: string): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++; // a pair: ordinary text
        continue;
      }
    }
    if (c >= 0xdc80 && c <= 0xdcff) {
      parts.push(Buffer.from(text.slice(from, i), 'utf8'), Buffer.of(c - ESCAPE_BASE));
      from = i + 1;
    }
  }
  parts.push(Buffer.from(text.slice(from), 'utf8'));
  return Buffer.concat(parts);
}
