import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { caught } from './__tests__/caught.js';
import { StorageError } from './errors.js';
import { INT64_MAX, INT64_MIN, addInt64, parseInt64 } from './integer.js';

describe('parseInt64', () => {
  it('parses canonical 64-bit integers', () => {
    expect(parseInt64('k', '0')).toBe(0n);
    expect(parseInt64('k', '-42')).toBe(-42n);
    expect(parseInt64('k', '9223372036854775807')).toBe(INT64_MAX);
    expect(parseInt64('k', '-9223372036854775808')).toBe(INT64_MIN);
  });

  it.each(['1.5', ' 1', '1 ', '', '0x1', '+1', '01', '-0', '1e3', 'abc', '9223372036854775808', '-9223372036854775809', '99999999999999999999'])(
    'rejects %j with NOT_AN_INTEGER',
    (bad) => {
      const err = caught(() => parseInt64('k', bad));
      expect(err).toBeInstanceOf(StorageError);
      expect([err.code, err.message]).toEqual(['NOT_AN_INTEGER', "value of 'k' is not an integer"]);
    },
  );

  it('round-trips every 64-bit integer through its decimal form', () => {
    fc.assert(fc.property(fc.bigInt({ min: INT64_MIN, max: INT64_MAX }), (n) => expect(parseInt64('k', n.toString())).toBe(n)));
  });
});

describe('addInt64', () => {
  it('adds within range and throws INTEGER_OVERFLOW outside', () => {
    expect(addInt64(1n, 2n)).toBe(3n);
    expect(() => addInt64(INT64_MAX, 1n)).toThrow('increment would overflow a 64-bit signed integer');
    expect(caught(() => addInt64(INT64_MIN, -1n)).code).toBe('INTEGER_OVERFLOW');
  });

  it('rejects an increment outside 64 bits', () => {
    expect(caught(() => addInt64(0n, INT64_MAX + 1n)).code).toBe('INVALID_ARGUMENT');
  });
});
