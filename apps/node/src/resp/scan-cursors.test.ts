import fc from 'fast-check';
import { ScanCursors, UnknownCursorError } from './scan-cursors.js';

describe('ScanCursors', () => {
  it('gives back the key each cursor was issued for, as an unsigned integer cursor', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 50 }), (keys) => {
        const cursors = new ScanCursors(100, 1);
        const issued = keys.map((k) => cursors.issue(k));
        for (const [i, cursor] of issued.entries()) {
          expect(cursor).toMatch(/^[1-9]\d*$/);
          expect(cursors.resolve(cursor)).toBe(keys[i]);
        }
      }),
    );
  });

  it('starts at 0 and forgets the oldest past its limit', () => {
    const cursors = new ScanCursors(2, 7);
    expect(cursors.resolve('0')).toBeUndefined();
    const a = cursors.issue('a');
    cursors.issue('b');
    cursors.issue('c');
    expect(cursors.size).toBe(2);
    expect(() => cursors.resolve(a)).toThrow(UnknownCursorError);
    expect(() => cursors.resolve('12345')).toThrow(/ERR invalid cursor '12345'/);
  });
});
