/** fast-check arbitraries shared by the protocol tests. */
import fc from 'fast-check';
import type { Command, WireVersion } from '../command.js';
import { isValidKey } from '../key.js';

/** Characters that stress quoting: quotes, escapes, blanks, controls, reply markers. */
const tricky = fc.constantFrom('"', '\\', ' ', '\t', '\r', '\n', '\0', '\x7f', '\x1b', 'END', 'ERROR', '(null)', 'x', 'é', '😀');

/** Any well-formed string: full Unicode, control characters, and quoting edge cases. */
export const anyString = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'binary-ascii' }),
  fc.string({ unit: tricky }),
  fc.constantFrom('', ' ', '(null)', 'END', 'END 1', 'ERROR: x', '"', '""', '\\', 'a b'),
);

/** A valid key (no spaces, controls; not reserved). */
export const keyArb = fc
  .oneof(
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
    fc.constantFrom('COUNT', 'count', '*x', '"q"', 'END1', 'ERROR', 'a:b'),
  )
  .filter(isValidKey);

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const treePath = fc.array(fc.integer({ min: 0, max: 65535 }), { maxLength: 6 });
const peer = fc.tuple(fc.constantFrom('127.0.0.1', 'localhost', 'node-a.example', '[::1]'), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`);

export const versionArb: fc.Arbitrary<WireVersion> = fc.record(
  {
    key: keyArb,
    ts: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    node: keyArb,
    deleted: fc.boolean(),
    value: anyString,
    expireAt: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  },
  { requiredKeys: ['key', 'ts', 'node', 'deleted', 'value'] },
);

/** Any command the encoder accepts. */
export const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ type: fc.constantFrom('SET', 'APPEND', 'PREPEND'), key: keyArb, value: anyString }),
  fc.record({ type: fc.constantFrom('GET', 'DEL', 'TTL', 'PTTL', 'PERSIST'), key: keyArb }),
  fc.record({ type: fc.constantFrom('SETEX', 'PSETEX'), key: keyArb, ttl: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), value: anyString }),
  fc.record({
    type: fc.constantFrom('EXPIRE', 'PEXPIRE', 'EXPIREAT', 'PEXPIREAT'),
    key: keyArb,
    time: fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
  }),
  fc.record({ type: fc.constantFrom('INCR', 'DECR'), key: keyArb, amount: int64 }),
  fc.record({ type: fc.constantFrom('VERSION', 'INFO', 'FLUSH', 'SHUTDOWN', 'BACKUP', 'DBSIZE', 'STATS', 'HASH') }),
  fc.record({ type: fc.constant('PING'), message: anyString }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('ECHO'), message: anyString }),
  fc.record({ type: fc.constantFrom('EXISTS', 'MGET', 'GETV'), keys: fc.array(keyArb, { minLength: 1, maxLength: 5 }) }),
  fc.record({ type: fc.constant('MSET'), entries: fc.array(fc.tuple(keyArb, anyString), { minLength: 1, maxLength: 4 }) }),
  fc.record(
    {
      type: fc.constant('SCAN'),
      prefix: fc.oneof(fc.constant(''), keyArb.filter((k) => k !== '*')),
      cursor: keyArb,
      count: fc.integer({ min: 1, max: 1000 }),
    },
    { requiredKeys: ['type', 'prefix'] },
  ),
  fc.record({ type: fc.constant('TREE'), path: treePath }),
  fc.record({ type: fc.constant('LEAF'), path: treePath, cursor: keyArb }, { requiredKeys: ['type', 'path'] }),
  fc.record({ type: fc.constant('PUTV'), version: versionArb }),
  fc.record({ type: fc.constant('SYNC'), peer }),
  fc.record(
    { type: fc.constant('AUTH'), user: keyArb.filter((k) => !k.startsWith('"')), password: anyString },
    { requiredKeys: ['type', 'password'] },
  ),
) as fc.Arbitrary<Command>;
