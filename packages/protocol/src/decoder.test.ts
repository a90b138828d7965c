import fc from 'fast-check';
import { commandArb } from './__tests__/arbitraries.js';
import type { Command } from './command.js';
import { COMMAND_USAGE } from './usage.js';
import { CommandDecoder } from './decoder.js';
import type { DecodedItem } from './decoder.js';
import { encodeCommand } from './encode-command.js';
import { ProtocolError } from './errors.js';
import { parseCommandLine } from './parse-command.js';

/** One request line per command (and its aliases), plus lines that earn errors. */
const CORPUS = [
  'SET user:100 jane_doe',
  'SET k "a\\r\\nb \\"q\\""',
  'set ключ значение ✓',
  'GET user:100',
  'DEL k',
  'DELETE k',
  'INCR counter',
  'DECR counter -42',
  'APPEND greeting " World!"',
  'PREPEND greeting "Hi, "',
  'VERSION',
  'INFO',
  'FLUSH',
  'SHUTDOWN',
  'BACKUP',
  'PING',
  'PING are you there',
  'ECHO 😀 hello',
  'EXISTS a b c',
  'MGET a b',
  'MSET a 1 b "x y"',
  'SCAN user: user:5 COUNT 10',
  'DBSIZE',
  'STATS',
  'SETEX s 60 token',
  'PSETEX s 1500 "x y"',
  'EXPIRE s 10',
  'PEXPIRE s 10000',
  'EXPIREAT s 1790000000',
  'PEXPIREAT s 1790000000000',
  'TTL s',
  'PTTL s',
  'PERSIST s',
  'HASH',
  'TREE 3.15',
  'LEAF - cursor:1',
  'GETV a b',
  'AUTH alice "pass word"',
  'PUTV k 1740000000000001 node-a 1 ""',
  'SYNC 127.0.0.1:7879',
  'PEERV 2',
  'TREES 4 - 3.15',
  'ENTRIES 4 3.15.0.7',
  'PTREES 3 0:AA 2:AAE',
  'PENTRIES 3 4:AAUG',
  'RECORDS 3 4.1',
  'STAMPS - 2',
  'PUTVS k 1740000000000001 node-a 0 "a b" gone 1740000000000002 node-b 1 ""',
  'FOO bar',
  'SET k',
  'INCR c abc',
];

/** What one line should decode to, via the (separately tested) line parser. */
function expectedItem(line: string): DecodedItem {
  try {
    return parseCommandLine(line);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    return { type: 'error', code: err.code, message: err.message };
  }
}

/** CRLF, bare LF, an empty line and a blank line mixed in; the last line ends in LF. */
const STREAM = Buffer.from(CORPUS.map((line, i) => (i % 3 === 0 ? `${line}\n` : i % 5 === 0 ? `${line}\r\n\r\n   \n` : `${line}\r\n`)).join(''));
const EXPECTED = CORPUS.map(expectedItem);

function decodeChunks(chunks: Buffer[], decoder = new CommandDecoder()): DecodedItem[] {
  return chunks.flatMap((chunk) => decoder.write(chunk));
}

describe('CommandDecoder framing', () => {
  it('the corpus covers every command', () => {
    const types = new Set(EXPECTED.map((item) => item.type));
    for (const type of Object.keys(COMMAND_USAGE)) expect(types.has(type as Command['type'])).toBe(true);
    expect(types.has('error')).toBe(true);
  });

  it('decodes the stream written whole', () => {
    expect(decodeChunks([STREAM])).toEqual(EXPECTED);
  });

  it('gives the same items split into two chunks at every byte offset', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      expect(decodeChunks([STREAM.subarray(0, i), STREAM.subarray(i)])).toEqual(EXPECTED);
    }
  });

  it('gives the same items fed byte by byte', () => {
    const bytes = Array.from({ length: STREAM.length }, (_, i) => STREAM.subarray(i, i + 1));
    expect(decodeChunks(bytes)).toEqual(EXPECTED);
  });

  it('accepts a bare \\n, \\r\\n, and skips empty and blank lines', () => {
    const decoder = new CommandDecoder();
    expect(decoder.write(Buffer.from('\n\r\n  \r\nGET a\nGET b\r\n'))).toEqual([
      { type: 'GET', key: 'a' },
      { type: 'GET', key: 'b' },
    ]);
  });

  it('holds a partial line until its end arrives, and returns nothing meanwhile', () => {
    const decoder = new CommandDecoder();
    expect(decoder.write(Buffer.from('SET k hel'))).toEqual([]);
    expect(decoder.bufferedBytes).toBe(9);
    expect(decoder.write(Buffer.from('lo\r'))).toEqual([]);
    expect(decoder.write(Buffer.from('\nGET k\r\n'))).toEqual([
      { type: 'SET', key: 'k', value: 'hello' },
      { type: 'GET', key: 'k' },
    ]);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('decodes a multi-byte character split between chunks', () => {
    const bytes = Buffer.from('GET 😀\n');
    expect(decodeChunks([bytes.subarray(0, 5), bytes.subarray(5, 6), bytes.subarray(6)])).toEqual([{ type: 'GET', key: '😀' }]);
  });

  it('keeps a byte that is not UTF-8 as its escape U+DC80..U+DCFF instead of failing', () => {
    expect(decodeChunks([Buffer.from([0x47, 0x45, 0x54, 0x20, 0xff, 0x0a])])).toEqual([{ type: 'GET', key: '\udcff' }]);
  });
});

describe('CommandDecoder line limit', () => {
  const LIMIT = 16;
  const tooLong = { type: 'error', code: 'LINE_TOO_LONG', message: `Line too long (limit ${LIMIT} bytes)` };

  it('uses 1 MiB by default and rejects a bad limit', () => {
    expect(new CommandDecoder().write(Buffer.from(`SET k ${'v'.repeat(1024 * 1024 - 6)}\n`))).toHaveLength(1);
    expect(new CommandDecoder().write(Buffer.from(`SET k ${'v'.repeat(1024 * 1024 - 5)}\n`))).toEqual([
      { type: 'error', code: 'LINE_TOO_LONG', message: 'Line too long (limit 1048576 bytes)' },
    ]);
    expect(() => new CommandDecoder({ maxLineBytes: 0 })).toThrow(RangeError);
  });

  it('accepts a line of exactly the limit, even when its \\r\\n arrives split', () => {
    const line = `SET k ${'v'.repeat(LIMIT - 6)}`;
    const decoder = new CommandDecoder({ maxLineBytes: LIMIT });
    expect(decoder.write(Buffer.from(`${line}\r`))).toEqual([]);
    expect(decoder.write(Buffer.from('\n'))).toEqual([{ type: 'SET', key: 'k', value: 'v'.repeat(LIMIT - 6) }]);
    expect(new CommandDecoder({ maxLineBytes: LIMIT }).write(Buffer.from(`${line}v\r\n`))).toEqual([tooLong]);
  });

  it('reports an over-long line once, as soon as it passes the limit, and never buffers it', () => {
    const decoder = new CommandDecoder({ maxLineBytes: LIMIT });
    const items: DecodedItem[] = [];
    items.push(...decoder.write(Buffer.from('GET a\r\nSET big ')));
    for (let i = 0; i < 1000; i++) {
      items.push(...decoder.write(Buffer.from('0123456')));
      expect(decoder.bufferedBytes).toBeLessThanOrEqual(LIMIT + 1);
      if (i === 2) expect(items).toEqual([{ type: 'GET', key: 'a' }, tooLong]);
    }
    items.push(...decoder.write(Buffer.from('tail\r\nGET b\r\n')));
    expect(items).toEqual([{ type: 'GET', key: 'a' }, tooLong, { type: 'GET', key: 'b' }]);
  });

  it('reports one error per over-long line inside a single chunk', () => {
    const long = 'x'.repeat(LIMIT + 1);
    const decoder = new CommandDecoder({ maxLineBytes: LIMIT });
    expect(decoder.write(Buffer.from(`${long}\n${long}\r\nGET c\n`))).toEqual([tooLong, tooLong, { type: 'GET', key: 'c' }]);
  });

  it('property: an over-long line in any chunking gives exactly one error and the next line still parses', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: LIMIT + 1, max: 300 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 30 }),
        (length, sizes) => {
          const stream = Buffer.from(`${'z'.repeat(length)}\r\nGET after\r\n`);
          const decoder = new CommandDecoder({ maxLineBytes: LIMIT });
          const items: DecodedItem[] = [];
          let at = 0;
          for (let i = 0; at < stream.length; i++) {
            const size = sizes[i % sizes.length] as number;
            items.push(...decoder.write(stream.subarray(at, at + size)));
            expect(decoder.bufferedBytes).toBeLessThanOrEqual(LIMIT + 1);
            at += size;
          }
          expect(items).toEqual([tooLong, { type: 'GET', key: 'after' }]);
        },
      ),
    );
  });
});

describe('CommandDecoder properties', () => {
  /** Splits `bytes` at the given cut points (taken modulo its length). */
  function chunk(bytes: Uint8Array, cuts: number[]): Buffer[] {
    const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % (bytes.length + 1))))].sort((a, b) => a - b);
    const chunks: Buffer[] = [];
    let from = 0;
    for (const p of [...points, bytes.length]) {
      chunks.push(Buffer.from(bytes.subarray(from, p)));
      from = p;
    }
    return chunks;
  }

  const KNOWN = new Set<string>([...Object.keys(COMMAND_USAGE), 'error']);

  it('random bytes in random chunks never throw; every item is a command or an error', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 400 }),
      fc.array(fc.constantFrom(...Buffer.from('SET GET \r\n "\\ x MSET SCAN COUNT 1 - . :\t\0')), { maxLength: 400 }).map((a) => Uint8Array.from(a)),
    );
    fc.assert(
      fc.property(bytes, fc.array(fc.nat(), { maxLength: 8 }), fc.integer({ min: 1, max: 64 }), (input, cuts, limit) => {
        const decoder = new CommandDecoder({ maxLineBytes: limit });
        for (const item of decodeChunks(chunk(input, cuts), decoder)) {
          expect(KNOWN.has(item.type)).toBe(true);
          if (item.type === 'error') {
            expect(typeof item.message).toBe('string');
            expect(item.message).not.toMatch(/[\r\n]/);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('encoded commands, concatenated and chunked anyhow, decode to the same commands', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (commands, cuts) => {
        const stream = Buffer.from(commands.map(encodeCommand).join(''));
        expect(decodeChunks(chunk(stream, cuts))).toEqual(commands);
      }),
      { numRuns: 500 },
    );
  });
});
