import fc from 'fast-check';
import { formatTreePath, parseTreePath } from './tree-path.js';

describe('tree paths', () => {
  it.each<[readonly number[], string]>([
    [[], '-'],
    [[0], '0'],
    [[3, 15], '3.15'],
    [[65535, 0, 7], '65535.0.7'],
  ])('%j <-> %s', (path, text) => {
    expect(formatTreePath(path)).toBe(text);
    expect(parseTreePath(text)).toEqual(path);
  });

  it.each(['', '.', '1.', '.1', '1..2', '-1', '01', '1.x', '65536', ' 1', '+1', '1e3', Array(33).fill('1').join('.')])('rejects %j', (text) => {
    expect(() => parseTreePath(text)).toThrow('Tree path must be');
  });

  it.each([[[-1]], [[1.5]], [[65536]], [Array(33).fill(0)]])('refuses to format %j', (path) => {
    expect(() => formatTreePath(path)).toThrow('Tree path must be');
  });

  it('property: parse(format(p)) = p', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 65535 }), { maxLength: 32 }), (path) => {
        expect(parseTreePath(formatTreePath(path))).toEqual(path);
      }),
    );
  });
});
