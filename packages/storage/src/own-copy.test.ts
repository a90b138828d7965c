import fc from 'fast-check';
import { ownCopy } from './own-copy.js';

describe('ownCopy', () => {
  it('returns an equal string for any input', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 5000 }), (s) => ownCopy(s) === s));
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (s) => ownCopy(s) === s));
  });

  it('copies Latin-1 values cut from a longer line, around the length bounds', () => {
    const line = `SET key ${'é'.repeat(5000)}`;
    for (const n of [12, 13, 32, 4096, 4097]) expect(ownCopy(line.slice(8, 8 + n))).toBe('é'.repeat(n));
    expect(ownCopy(`${'a'.repeat(20)}\u0100`)).toBe(`${'a'.repeat(20)}\u0100`); // not Latin-1: kept as is
  });
});
