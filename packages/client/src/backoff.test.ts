import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { exponentialBackoff, noRetry } from './backoff.js';

describe('exponentialBackoff', () => {
  it('doubles from baseMs, caps at maxMs and gives up at maxAttempts', () => {
    const retry = exponentialBackoff({ baseMs: 10, maxMs: 50, maxAttempts: 6 });
    expect([1, 2, 3, 4, 5, 6].map(retry)).toEqual([10, 20, 40, 50, 50, null]);
    expect(noRetry(1)).toBeNull();
  });

  it('never returns a negative delay or one above maxMs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 40 }), (base, max, attempt) => {
        const d = exponentialBackoff({ baseMs: base, maxMs: max, maxAttempts: 100 })(attempt);
        return d !== null && d >= 0 && d <= max;
      }),
    );
  });
});
