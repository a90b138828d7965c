import fc from 'fast-check';
import { checkKey, checkToken, isValidKey, keyProblem, tokenProblem, valueProblem } from './key.js';

describe('keys', () => {
  it('accepts printable keys up to 1024 UTF-8 bytes', () => {
    expect(isValidKey('user:100')).toBe(true);
    expect(isValidKey('ключ"quoted"*')).toBe(true);
    expect(isValidKey('k'.repeat(1024))).toBe(true);
    expect(isValidKey('é'.repeat(512))).toBe(true);
  });

  it.each([
    ['', 'GET key must not be empty'],
    ['a b', "GET key must not contain a space, got 'a b'"],
    ['a\nb', "GET key must not contain a control character, got 'a\\x0ab'"],
    ['a\x7f', "GET key must not contain a control character, got 'a\\x7f'"],
    ['a\u0085', 'GET key must not contain a control character'],
    ['é'.repeat(513), 'GET key is too long (1026 bytes, limit 1024)'],
    ['END', "GET key 'END' is reserved (it would read as reply framing)"],
    ['ERROR:', "GET key 'ERROR:' is reserved (it would read as reply framing)"],
    ['a\ud800', 'GET key must be valid Unicode (a lone surrogate)'],
    ['\udc00b', 'GET key must be valid Unicode (a lone surrogate)'],
  ])('rejects %j', (key, message) => {
    expect(() => checkKey(key, 'GET key')).toThrow(message);
    expect(isValidKey(key)).toBe(false);
  });

  it('lets key-shaped tokens (cursors, prefixes, node ids) be END', () => {
    expect(checkToken('END', 'SCAN prefix')).toBe('END');
  });
});

describe('the problem functions (the one definition replication shares)', () => {
  it('keyProblem is undefined exactly when checkKey accepts', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('END', 'ERROR:', 'a b', '\ud83d\ude00')), (key) => {
        let threw = false;
        try {
          checkKey(key, 'Key');
        } catch {
          threw = true;
        }
        expect(keyProblem(key) !== undefined).toBe(threw);
      }),
    );
  });

  it('accepts a surrogate pair, refuses a lone surrogate in tokens and values', () => {
    expect(tokenProblem('emoji\ud83d\ude00')).toBeUndefined();
    expect(tokenProblem('\ud83d')).toMatch(/lone surrogate/);
    expect(valueProblem('any value\r\nEND "quoted" \ud83d\ude00')).toBeUndefined();
    expect(valueProblem('half \ud83d')).toMatch(/lone surrogate/);
    // Bytes outside UTF-8 as the RESP port keeps them (U+DC80..U+DCFF) are values and key bytes.
    expect(valueProblem('\u0000\udcff\udc80\r\n\udcfe')).toBeUndefined();
    expect(valueProblem('\udc7f')).toMatch(/lone surrogate/);
    expect(tokenProblem('bin\udcff')).toBeUndefined();
    expect(tokenProblem('bin\udc00')).toMatch(/lone surrogate/);
    expect(valueProblem('')).toBeUndefined();
  });
});
