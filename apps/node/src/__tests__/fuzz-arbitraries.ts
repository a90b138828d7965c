/**
 * fast-check arbitraries for fuzzing a node over TCP: request streams of
 * well-formed and malformed lines, random bytes, and how to cut them into
 * chunks.
 */
import fc from 'fast-check';
import { encodeCommand, isValidKey, type Command } from '@merklekv/protocol';

/** Characters that stress quoting and framing. */
const tricky = fc.constantFrom('"', '\\', ' ', '  ', '\t', '\r', '\0', '\x7f', '\x1b', 'END', 'ERROR: ', '(null)', 'x', 'é', '😀', '\u2028', '\ufeff', '\\x41', '\\q');

/** Values: full Unicode, control characters, quoting edge cases, now and then long. */
const valueArb = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 16 }) },
  { weight: 2, arbitrary: fc.string({ unit: tricky, maxLength: 8 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '(null)', 'END', 'END 1', 'ERROR: x', '"', '""', '\\', 'a b', 'x\ny', '\r\n') },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 1100 }).map((n) => 'v'.repeat(n)) },
);

/** A small pool of keys, so reads and deletes hit what writes stored. */
const pooledKey = fc.constantFrom('k', 'k2', 'n', 'COUNT', 'ключ', '🔑', '"q"', 'a\\b', 'END1', 'ERROR', 'x:y');
const keyArb = fc.oneof(
  { weight: 3, arbitrary: pooledKey },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 10 }).filter(isValidKey) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }).filter(isValidKey) },
);
const keysArb = fc.array(keyArb, { minLength: 1, maxLength: 5 });
const amountArb = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -5n, max: 5n }));
const treePath = fc.array(fc.integer({ min: 0, max: 15 }), { maxLength: 5 });

/**
 * Commands a fuzzer may send: everything but SHUTDOWN, BACKUP, SYNC and AUTH,
 * which stop the node, write to disk, dial out or change the session.
 */
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ type: fc.constantFrom('SET', 'APPEND', 'PREPEND'), key: keyArb, value: valueArb }),
  fc.record({ type: fc.constantFrom('GET', 'DEL'), key: keyArb }),
  fc.record({ type: fc.constantFrom('INCR', 'DECR'), key: keyArb, amount: amountArb }),
  fc.record({ type: fc.constantFrom('VERSION', 'INFO', 'DBSIZE', 'STATS', 'HASH', 'FLUSH') }),
  fc.record({ type: fc.constant('PING'), message: valueArb }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('ECHO'), message: valueArb }),
  fc.record({ type: fc.constantFrom('EXISTS', 'MGET', 'GETV'), keys: keysArb }),
  fc.record({ type: fc.constant('MSET'), entries: fc.array(fc.tuple(keyArb, valueArb), { minLength: 1, maxLength: 4 }) }),
  fc.record(
    { type: fc.constant('SCAN'), prefix: fc.oneof(fc.constant(''), keyArb.filter((k) => k !== '*')), cursor: keyArb, count: fc.integer({ min: 1, max: 1000 }) },
    { requiredKeys: ['type', 'prefix'] },
  ),
  fc.record({ type: fc.constant('TREE'), path: treePath }),
  fc.record({ type: fc.constant('LEAF'), path: treePath, cursor: keyArb }, { requiredKeys: ['type', 'path'] }),
  fc.record({
    type: fc.constant('PUTV'),
    version: fc.record({ key: keyArb, ts: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), node: fc.constantFrom('node-a', 'node-b'), deleted: fc.boolean(), value: valueArb }),
  }),
) as fc.Arbitrary<Command>;

/** Flips the case of the command name's letters at random (`get`, `GeT`). */
function randomCase(line: string, flips: readonly boolean[]): string {
  const nameEnd = line.indexOf(' ') < 0 ? line.length : line.indexOf(' ');
  let name = '';
  for (let i = 0; i < nameEnd; i++) {
    const c = line.charAt(i);
    name += flips[i % Math.max(flips.length, 1)] ? c.toLowerCase() : c;
  }
  return name + line.slice(nameEnd);
}

/** A well-formed request line (no line ending), in random case, maybe after leading spaces. */
const wellFormedLine = fc
  .tuple(commandArb, fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), fc.constantFrom('', '', ' ', '   '))
  .map(([command, flips, lead]) => lead + randomCase(encodeCommand(command).slice(0, -2), flips));

/** Requests every server must refuse with one ERROR line (or, for blanks, ignore). */
const malformedLine = fc.oneof(
  fc.constantFrom(
    'FROB x', 'SET', 'SET k', 'GET', 'GET a b', 'VERSION x', 'DBSIZE 1', 'INCR', 'INCR k 1.5', 'INCR k 9223372036854775808',
    'SET k "open', 'SET k "a" b', 'SET k "bad \\q"', 'SET k "\\x4"', 'MSET a "x"y', 'MSET a 1 b', 'SET END v', 'GET ERROR:',
    'SET a\tb v', 'SCAN', 'SCAN * COUNT 0', 'SCAN * COUNT 1001', 'TREE 1..2', 'TREE', 'LEAF', 'GETV', 'EXISTS', 'MGET', 'ECHO',
    'PUTV k -1 n 0 v', 'PUTV k 1 n 2 x', 'PUTV k 1 n 0', 'SYNC localhost', 'GET\tk', '\x00\x01\x02', 'END', 'ERROR: x', '"GET" k',
    '', '   ', 'PING a\rb', 'SET k\r v',
  ),
  fc.tuple(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 8 }), valueArb).map(([name, rest]) => `${name.replace(/ /g, '_')} ${rest}`),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 1, max: 1500 }).map((n) => `GET ${'k'.repeat(n)}`),
);

/** A line longer than (or right at) `maxLineBytes`. */
const longLine = (maxLineBytes: number) =>
  fc.tuple(fc.integer({ min: maxLineBytes - 8, max: maxLineBytes * 3 }), fc.constantFrom('SET big ', 'PING ', '', '    ')).map(([n, head]) => head + 'z'.repeat(Math.max(0, n - head.length)));

/** One request line with its ending: `\r\n`, a bare `\n`, or a stray `\r` before `\r\n`. */
const lineWithEnding = (maxLineBytes: number) =>
  fc
    .tuple(
      fc.oneof({ weight: 6, arbitrary: wellFormedLine }, { weight: 3, arbitrary: malformedLine }, { weight: 1, arbitrary: longLine(maxLineBytes) }),
      fc.constantFrom('\r\n', '\r\n', '\n', '\r\r\n'),
    )
    .map(([line, end]) => line + end);

/** Bytes that are mostly random but hold line structure now and then. */
const byteSoup = fc
  .array(
    fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.constantFrom('\n', '\r\n', ' ', '"', '\\', 'END\r\n', 'GET ', 'MGET a ', 'INFO\r\n', '\xff\xfe', '\u00e9').map((s) => new Uint8Array(Buffer.from(s, 'utf8'))),
    ),
    { maxLength: 60, size: 'medium' },
  )
  .map((parts) => Buffer.concat(parts));

/** A request stream: lines, random bytes, or both; always ending at a line end. */
export const requestStreamArb = (maxLineBytes: number): fc.Arbitrary<Buffer> =>
  fc
    .oneof(
      { weight: 4, arbitrary: fc.array(lineWithEnding(maxLineBytes), { maxLength: 40, size: 'medium' }).map((lines) => Buffer.from(lines.join(''), 'utf8')) },
      { weight: 1, arbitrary: byteSoup },
      { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 3000 }).map((b) => Buffer.from(b)) },
      {
        weight: 1,
        arbitrary: fc.tuple(byteSoup, fc.array(lineWithEnding(maxLineBytes), { maxLength: 6 })).map(([soup, lines]) => Buffer.concat([soup, Buffer.from(`\n${lines.join('')}`)])),
      },
    )
    .map((stream) => Buffer.concat([stream, Buffer.from('\r\n')]));

/** How a stream is written: cut sizes (the rest goes in one last write) and whether to yield between writes. */
export interface ChunkPlan {
  readonly cuts: readonly number[];
  readonly pauses: readonly boolean[];
}

export const chunkPlanArb: fc.Arbitrary<ChunkPlan> = fc.record({
  cuts: fc.array(fc.integer({ min: 1, max: 512 }), { maxLength: 8 }),
  pauses: fc.array(fc.boolean(), { maxLength: 8 }),
});

/** Cuts `stream` into the chunks of `plan`. */
export function cutChunks(stream: Buffer, plan: ChunkPlan): Buffer[] {
  const chunks: Buffer[] = [];
  let at = 0;
  for (const size of plan.cuts) {
    if (at >= stream.length) break;
    chunks.push(stream.subarray(at, at + size));
    at += size;
  }
  if (at < stream.length) chunks.push(stream.subarray(at));
  return chunks;
}
