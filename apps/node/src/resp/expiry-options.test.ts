import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { RespCommandError } from './context.js';
import { conditionAllows, expireCommandAt, parseExpireCondition, parseStringExpiryOptions, setExpireAt } from './expiry-options.js';

const NOW = 1_700_000_000_123;

/** The message a call throws (or 'ok'). */
function thrown(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(RespCommandError);
    return (err as Error).message;
  }
}

describe('parseStringExpiryOptions', () => {
  const unit = fc.constantFrom('EX', 'PX', 'EXAT', 'PXAT');
  /** Groups of SET options that do not conflict: at most one of NX/XX, one expiry kind or KEEPTTL. */
  const setGroups = fc
    .record({
      condition: fc.option(fc.constantFrom('NX', 'XX'), { nil: undefined }),
      get: fc.boolean(),
      expiry: fc.option(fc.oneof(fc.tuple(unit, fc.integer({ min: 1, max: 1e9 }).map(String)), fc.constant(['KEEPTTL'] as const)), { nil: undefined }),
    })
    .map(({ condition, get, expiry }) => [...(condition ? [[condition]] : []), ...(get ? [['GET']] : []), ...(expiry ? [[...expiry]] : [])] as string[][]);

  it('reads the same options in any order and any letter case', () => {
    fc.assert(
      fc.property(setGroups, fc.func(fc.integer()), fc.boolean(), (groups, order, lower) => {
        const shuffled = [...groups].sort((a, b) => order(a) - order(b));
        const words = (gs: string[][]) => gs.flat().map((w) => (lower && /^[A-Z]+$/.test(w) ? w.toLowerCase() : w));
        expect(parseStringExpiryOptions(['SET', 'k', 'v', ...words(shuffled)], 'SET')).toEqual(parseStringExpiryOptions(['SET', 'k', 'v', ...groups.flat()], 'SET'));
      }),
    );
  });

  it('refuses two kinds of expiry, KEEPTTL with one, NX with XX, a missing time, and GETEX-only or SET-only options', () => {
    for (const options of [['EX', '1', 'PX', '1'], ['PXAT', '1', 'KEEPTTL'], ['KEEPTTL', 'EXAT', '1'], ['NX', 'XX'], ['EX'], ['PERSIST'], ['FOO']]) {
      expect(thrown(() => parseStringExpiryOptions(['SET', 'k', 'v', ...options], 'SET'))).toBe('ERR syntax error');
    }
    for (const options of [['NX'], ['GET'], ['KEEPTTL'], ['EX', '1', 'PERSIST'], ['PERSIST', 'PX', '1']]) {
      expect(thrown(() => parseStringExpiryOptions(['GETEX', 'k', ...options], 'GETEX'))).toBe('ERR syntax error');
    }
    expect(parseStringExpiryOptions(['GETEX', 'k', 'persist', 'PERSIST'], 'GETEX')).toEqual({ get: false, keepTtl: false, persist: true });
  });
});

describe('setExpireAt', () => {
  it('EX n is PX 1000·n, EXAT n is PXAT 1000·n, relative times count from now', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), (n) => {
        expect(setExpireAt('SET', { unit: 'EX', amount: String(n) }, NOW)).toBe(setExpireAt('SET', { unit: 'PX', amount: String(n * 1000) }, NOW));
        expect(setExpireAt('SET', { unit: 'PX', amount: String(n) }, NOW)).toBe(NOW + n);
        expect(setExpireAt('SET', { unit: 'EXAT', amount: String(n) }, NOW)).toBe(n * 1000);
        expect(setExpireAt('SET', { unit: 'PXAT', amount: String(n) }, NOW)).toBe(n);
      }),
    );
  });

  it("answers Redis' errors: not an integer, not positive, out of range", () => {
    expect(thrown(() => setExpireAt('SET', { unit: 'EX', amount: '1.5' }, NOW))).toBe('ERR value is not an integer or out of range');
    expect(thrown(() => setExpireAt('SET', { unit: 'EX', amount: '0' }, NOW))).toBe("ERR invalid expire time in 'set' command");
    expect(thrown(() => setExpireAt('GETEX', { unit: 'PXAT', amount: '-1' }, NOW))).toBe("ERR invalid expire time in 'getex' command");
    expect(thrown(() => setExpireAt('SETEX', { unit: 'EX', amount: '9223372036854775' }, NOW))).toBe("ERR invalid expire time in 'setex' command");
  });
});

describe('EXPIRE options', () => {
  it("refuses an unknown option and Redis' incompatible pairs", () => {
    const parse = (...options: string[]) => thrown(() => parseExpireCondition(['EXPIRE', 'k', '1', ...options]));
    expect(parse('NX', 'XX')).toBe('ERR NX and XX, GT or LT options at the same time are not compatible');
    expect(parse('lt', 'nx')).toBe('ERR NX and XX, GT or LT options at the same time are not compatible');
    expect(parse('GT', 'LT')).toBe('ERR GT and LT options at the same time are not compatible');
    expect(parse('Bad')).toBe('ERR Unsupported option Bad');
    expect(parse('XX', 'GT')).toBe('ok');
  });

  it('GT and LT compare with the current expiry, no expiry counting as infinite', () => {
    const none = { nx: false, xx: false, gt: false, lt: false };
    fc.assert(
      fc.property(fc.nat(), fc.integer(), (current, at) => {
        expect(conditionAllows({ ...none, gt: true }, current, at)).toBe(current !== 0 && at > current);
        expect(conditionAllows({ ...none, lt: true }, current, at)).toBe(current === 0 || at < current);
        expect(conditionAllows({ ...none, nx: true }, current, at)).toBe(current === 0);
        expect(conditionAllows({ ...none, xx: true }, current, at)).toBe(current !== 0);
        expect(conditionAllows(none, current, at)).toBe(true);
      }),
    );
  });

  it('EXPIRE and PEXPIRE count from now, EXPIREAT and PEXPIREAT are absolute; past times stay as asked', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), (n) => {
        expect(expireCommandAt('EXPIRE', String(n), NOW)).toBe(NOW + n * 1000);
        expect(expireCommandAt('PEXPIRE', String(n), NOW)).toBe(NOW + n);
        expect(expireCommandAt('EXPIREAT', String(n), NOW)).toBe(n * 1000);
        expect(expireCommandAt('PEXPIREAT', String(n), NOW)).toBe(n);
      }),
    );
    expect(thrown(() => expireCommandAt('EXPIRE', '9223372036854775807', NOW))).toBe("ERR invalid expire time in 'expire' command");
  });
});
