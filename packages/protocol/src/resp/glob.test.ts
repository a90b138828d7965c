import fc from 'fast-check';
import { compileGlob } from './glob.js';

describe('compileGlob', () => {
  it.each([
    ['*', 'anything', true],
    ['user:*', 'user:1', true],
    ['user:*', 'users', false],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-b]llo', 'hbllo', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
    ['a.b', 'axb', false],
    ['(x)', '(x)', true],
  ])('%s against %s: %s', (pattern, text, expected) => {
    expect(compileGlob(pattern).matches(text)).toBe(expected);
  });

  it('gives the literal prefix before the first wildcard', () => {
    expect(compileGlob('user:*:name').prefix).toBe('user:');
    expect(compileGlob('*').prefix).toBe('');
    expect(compileGlob('a\\*b*').prefix).toBe('a*b');
  });

  it('matches every text that starts with a literal prefix followed by *, and only those', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), (prefix, text) => {
        const escaped = prefix.replace(/[*?[\]\\]/g, '\\$&');
        const glob = compileGlob(`${escaped}*`);
        expect(glob.prefix).toBe(prefix);
        expect(glob.matches(text)).toBe(text.startsWith(prefix));
      }),
    );
  });
});
