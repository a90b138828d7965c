import fc from 'fast-check';
import { show } from './show.js';

describe('show', () => {
  it('escapes control characters and cuts long text', () => {
    expect(show('a\r\nb\x7f')).toBe('a\\x0d\\x0ab\\x7f');
    expect(show('x'.repeat(100))).toBe(`${'x'.repeat(64)}...`);
    expect(show('plain')).toBe('plain');
  });

  it('property: the result never holds CR or LF', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary-ascii' }), (s) => expect(show(s)).not.toMatch(/[\r\n]/)));
  });
});
