import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { encodeCommand } from './encode-command.js';
import { parseCommandLine } from './parse-command.js';

const key = fc.stringMatching(/^[a-z0-9:_]{1,12}$/);

describe('DEL with one or several keys', () => {
  it('DEL k stays the single-key command', () => {
    expect(parseCommandLine('DEL user:1')).toEqual({ type: 'DEL', key: 'user:1' });
    expect(parseCommandLine('DELETE user:1')).toEqual({ type: 'DEL', key: 'user:1' });
    expect(encodeCommand({ type: 'DEL', key: 'user:1' })).toBe('DEL user:1\r\n');
  });

  it('DEL k1 k2 carries every key, in order', () => {
    expect(parseCommandLine('DEL a b  c')).toEqual({ type: 'DEL', key: 'a', keys: ['a', 'b', 'c'] });
  });

  it('encode then parse gives the same keys back', () => {
    fc.assert(
      fc.property(fc.array(key, { minLength: 2, maxLength: 8 }), (keys) => {
        const [first] = keys as [string, ...string[]];
        expect(parseCommandLine(encodeCommand({ type: 'DEL', key: first, keys }).trimEnd())).toEqual({ type: 'DEL', key: first, keys });
      }),
    );
  });

  it('still refuses a missing key', () => {
    expect(() => parseCommandLine('DEL')).toThrow(/Missing arguments: DEL needs a key/);
  });
});
