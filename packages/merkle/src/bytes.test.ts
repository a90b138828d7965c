import fc from 'fast-check';
import { byteLengthOf, bytesToString, holdsEscapedBytes, stringToBytes } from './bytes.js';

describe('bytes ⇄ strings (surrogateescape)', () => {
  it('gives back every byte string exactly', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const buf = Buffer.from(bytes);
        const text = bytesToString(buf);
        expect(stringToBytes(text).equals(buf)).toBe(true);
        expect(byteLengthOf(text)).toBe(buf.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads valid UTF-8 as the same text the text port stores', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (text) => {
        expect(bytesToString(Buffer.from(text, 'utf8'))).toBe(text);
        expect(holdsEscapedBytes(text)).toBe(false);
      }),
    );
  });

  it('escapes a byte outside UTF-8 as one lone low surrogate, and keeps a real U+FFFD', () => {
    expect(bytesToString(Buffer.from([0x61, 0xff, 0x62]))).toBe('a\udcffb');
    expect(bytesToString(Buffer.from('\uFFFD', 'utf8'))).toBe('\uFFFD');
    expect(bytesToString(Buffer.from([0xed, 0xa0, 0x80]))).toBe('\udced\udca0\udc80'); // an encoded surrogate is not UTF-8
    expect(bytesToString(Buffer.from([0xf0, 0x9f, 0x98, 0x80, 0x80]))).toBe('😀\udc80');
    expect(holdsEscapedBytes('a\udcffb')).toBe(true);
  });

  it('reads a slice of a larger buffer', () => {
    const buf = Buffer.from([0x00, 0x68, 0xc3, 0xa9, 0xfe, 0x00]);
    expect(bytesToString(buf, 1, 5)).toBe('hé\udcfe');
  });
});
