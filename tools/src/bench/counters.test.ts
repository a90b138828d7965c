import fc from 'fast-check';
import { BenchError } from './errors.js';
import { LineReplyCounter } from './line-counter.js';
import { RespReplyCounter } from './resp-counter.js';

/** Feeds `bytes` split at the given offsets; returns the counter. */
function feed<T extends { write(c: Uint8Array): number }>(counter: T, bytes: Buffer, cuts: number[]): T {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    counter.write(bytes.subarray(prev, p));
    prev = p;
  }
  return counter;
}

const respStream = Buffer.from(
  [
    '+OK\r\n',
    '$5\r\nhello\r\n',
    '$-1\r\n',
    '-ERR wrong type\r\n',
    ':1234\r\n',
    '$0\r\n\r\n',
    '$12\r\nline\r\n$-1\r\nx\r\n', // a bulk string that looks like replies
    '*2\r\n$1\r\na\r\n*2\r\n:1\r\n-ERR inner\r\n', // nested array with an inner error
    '*0\r\n',
    '*-1\r\n',
  ].join(''),
);

describe('RespReplyCounter', () => {
  it('counts every kind of reply, errors and nils', () => {
    const c = new RespReplyCounter();
    expect(c.write(respStream)).toBe(10);
    expect({ replies: c.replies, errors: c.errors, nils: c.nils }).toEqual({ replies: 10, errors: 1, nils: 2 });
  });

  it('gives the same counts when split at every byte boundary', () => {
    for (let cut = 0; cut <= respStream.length; cut++) {
      const c = feed(new RespReplyCounter(), respStream, [cut]);
      expect([c.replies, c.errors, c.nils]).toEqual([10, 1, 2]);
    }
    const bytewise = new RespReplyCounter();
    let total = 0;
    for (const b of respStream) total += bytewise.write(Uint8Array.of(b));
    expect(total).toBe(10);
  });

  it('counts generated bulk replies however the stream is chunked', () => {
    const reply = fc.oneof(
      fc.constant('+OK\r\n'),
      fc.constant('$-1\r\n'),
      fc.string({ maxLength: 40 }).map((s) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`),
    );
    fc.assert(
      fc.property(fc.array(reply, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 8 }), (replies, cuts) => {
        const c = feed(new RespReplyCounter(), Buffer.from(replies.join('')), cuts);
        expect(c.replies).toBe(replies.length);
        expect(c.nils).toBe(replies.filter((r) => r === '$-1\r\n').length);
      }),
    );
  });

  it('rejects a byte that starts no reply', () => {
    expect(() => new RespReplyCounter().write(Buffer.from('OK\r\n'))).toThrow(BenchError);
    expect(() => new RespReplyCounter().write(Buffer.from('$-2\r\n'))).toThrow(/Bad RESP length/);
  });
});

describe('LineReplyCounter', () => {
  const stream = Buffer.from('OK\r\nvalue\r\n(null)\r\nERROR: Invalid command \'X\'\r\n(null)\nERRORS\r\n(nulls)\r\nEND\r\n\r\n');

  it('counts lines, ERROR lines and (null) lines', () => {
    const c = new LineReplyCounter();
    expect(c.write(stream)).toBe(9);
    expect([c.replies, c.errors, c.nils]).toEqual([9, 2, 2]);
  });

  it('gives the same counts split at every byte boundary', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      for (const cut2 of [cut + 1, cut + 3, cut + 9]) {
        const c = feed(new LineReplyCounter(), stream, [cut, cut2]);
        expect([c.replies, c.errors, c.nils]).toEqual([9, 2, 2]);
      }
    }
  });

  it('matches a reference count on generated lines and chunkings', () => {
    const line = fc.oneof(
      fc.constantFrom('OK', '(null)', 'ERROR: x', 'ERR', '(nul', ''),
      fc.string({ maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, '')),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 8 }), (lines, crlf, cuts) => {
        const eol = crlf ? '\r\n' : '\n';
        const c = feed(new LineReplyCounter(), Buffer.from(lines.map((l) => l + eol).join('')), cuts);
        expect(c.replies).toBe(lines.length);
        expect(c.errors).toBe(lines.filter((l) => l.startsWith('ERROR')).length);
        expect(c.nils).toBe(lines.filter((l) => l === '(null)').length);
      }),
    );
  });
});
