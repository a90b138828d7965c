import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { tokenize } from './tokenize.js';

describe('tokenize', () => {
  it('splits on spaces; quotes group words', () => {
    expect(tokenize('set greeting Hello World')).toEqual(['set', 'greeting', 'Hello', 'World']);
    expect(tokenize('set greeting "Hello World"')).toEqual(['set', 'greeting', 'Hello World']);
    expect(tokenize("set k 'it''s'  \"a\\\"b\\n\"")).toEqual(['set', 'k', 'its', 'a"b\n']);
    expect(tokenize('set k ""')).toEqual(['set', 'k', '']);
    expect(tokenize('   ')).toEqual([]);
  });

  it('rejects an unterminated quote as a usage error', () => {
    expect(() => tokenize('set k "open')).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });

  it('plain words without quotes or spaces come back unchanged (property)', () => {
    const word = fc.string({ minLength: 1 }).filter((w) => !/[\s"'\\]/.test(w));
    fc.assert(fc.property(fc.array(word, { maxLength: 8 }), (words) => {
      expect(tokenize(words.join('  '))).toEqual(words);
    }));
  });
});
