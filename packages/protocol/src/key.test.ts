import { checkKey, checkToken, isValidKey } from './key.js';

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
  ])('rejects %j', (key, message) => {
    expect(() => checkKey(key, 'GET key')).toThrow(message);
    expect(isValidKey(key)).toBe(false);
  });

  it('lets key-shaped tokens (cursors, prefixes, node ids) be END', () => {
    expect(checkToken('END', 'SCAN prefix')).toBe('END');
  });
});
