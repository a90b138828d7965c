import { DEFAULT_SHAPE, makeShape, parseShapeId, validateShape } from './shape.js';
import { codeOf } from './__tests__/replica.js';

describe('shape', () => {
  it('has the agreed default', () => {
    expect(DEFAULT_SHAPE).toEqual({ fanout: 16, depth: 4, id: 'f16d4-m3' });
    expect(parseShapeId('f16d4-m3')).toEqual(DEFAULT_SHAPE);
    expect(makeShape(4, 3)).toEqual({ fanout: 4, depth: 3, id: 'f4d3-m3' });
  });

  it.each([
    ['fanout not a power of two', () => makeShape(12, 2)],
    ['fanout 1', () => makeShape(1, 2)],
    ['depth 0', () => makeShape(16, 0)],
    ['too many leaves', () => makeShape(16, 7)],
    ['malformed id', () => parseShapeId('f16d4-md5')],
    ['id of the former SHA-256 digest scheme', () => parseShapeId('f16d4-sha256')],
    ['id disagrees with parameters', () => validateShape({ fanout: 16, depth: 3, id: 'f16d4-m3' })],
  ])('rejects %s with INVALID_SHAPE', (_name, f) => {
    expect(codeOf(f)).toBe('INVALID_SHAPE');
  });
});
