import fc from 'fast-check';
import { bytesToString, stringToBytes } from '@merklekv/merkle';
import { encodeRequest } from './reply.js';
import { RespRequestDecoder, type RespRequest } from './request-decoder.js';

/** Feeds `input` cut at the given offsets; returns every item. */
function feed(decoder: RespRequestDecoder, input: Buffer, cuts: readonly number[] = []): RespRequest[] {
  const out: RespRequest[] = [];
  let from = 0;
  for (const cut of [...new Set(cuts)].filter((c) => c > 0 && c < input.length).sort((a, b) => a - b)) {
    out.push(...decoder.write(input.subarray(from, cut)));
    from = cut;
  }
  out.push(...decoder.write(input.subarray(from)));
  return out;
}

const asBytes = (items: RespRequest[]) => items.map((item) => (Array.isArray(item) ? item.map((a) => stringToBytes(a).toString('hex')) : item));

const argBytes = fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b));
const request = fc.array(argBytes, { minLength: 1, maxLength: 6 });

describe('RespRequestDecoder', () => {
  it('decodes pipelined arrays of bulk strings byte for byte, however the stream is cut', () => {
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(2000)), (requests, cuts) => {
        const wire = Buffer.concat(requests.map((args) => encodeRequest(args.map((b) => bytesToString(b)))));
        const items = feed(new RespRequestDecoder(), wire, cuts);
        expect(asBytes(items)).toEqual(requests.map((args) => args.map((b) => b.toString('hex'))));
      }),
      { numRuns: 500 },
    );
  });

  it('decodes one byte at a time', () => {
    const wire = Buffer.concat([encodeRequest(['SET', 'k', 'v\r\nw']), Buffer.from('GET k\r\n'), encodeRequest(['DBSIZE'])]);
    const decoder = new RespRequestDecoder();
    const items: RespRequest[] = [];
    for (const byte of wire) items.push(...decoder.write(Buffer.of(byte)));
    expect(items).toEqual([['SET', 'k', 'v\r\nw'], ['GET', 'k'], ['DBSIZE']]);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('reads inline commands with quotes and escapes, and skips blank lines', () => {
    const items = feed(new RespRequestDecoder(), Buffer.from('set k "a b\\x41\\n" \'it\\\'s\'\r\n\r\nPING\nget  k\r\n'));
    expect(items).toEqual([['set', 'k', 'a bA\n', "it's"], ['PING'], ['get', 'k']]);
  });

  it('round-trips inline commands of plain words', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[A-Za-z0-9:._-]{1,12}$/), { minLength: 1, maxLength: 8 }), (words) => {
        expect(feed(new RespRequestDecoder(), Buffer.from(`${words.join(' ')}\r\n`))).toEqual([words]);
      }),
    );
  });

  it('skips *0 and *-1 as Redis does', () => {
    expect(feed(new RespRequestDecoder(), Buffer.from('*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n'))).toEqual([['PING']]);
  });

  it.each([
    ['*1\r\n:5\r\n', "Protocol error: expected '$', got ':'"],
    ['*x\r\n', 'Protocol error: invalid multibulk length'],
    ['*1\r\n$-1\r\n', 'Protocol error: invalid bulk length'],
    ['*1\r\n$1\r\nab\r\n', 'Protocol error: bulk string not followed by CRLF'],
    ['set k "unterminated\r\n', 'Protocol error: unbalanced quotes in request'],
  ])('answers broken framing %j with one fatal error and ignores the rest', (wire, message) => {
    const decoder = new RespRequestDecoder();
    expect(feed(decoder, Buffer.from(wire))).toEqual([{ type: 'error', message, fatal: true }]);
    expect(decoder.write(Buffer.from('PING\r\n'))).toEqual([]);
  });

  it('refuses a request past maxRequestBytes before buffering it', () => {
    const decoder = new RespRequestDecoder({ maxRequestBytes: 100 });
    const items = decoder.write(Buffer.from('*2\r\n$3\r\nSET\r\n$101\r\n'));
    expect(items).toEqual([{ type: 'error', message: 'Protocol error: request too large (limit 100 bytes, [network] max_line_bytes)', fatal: true }]);
    const inline = new RespRequestDecoder({ maxRequestBytes: 100 });
    expect(inline.write(Buffer.alloc(101, 0x61))).toEqual([{ type: 'error', message: 'Protocol error: too big inline request (limit 100 bytes, [network] max_line_bytes)', fatal: true }]);
  });

  it('refuses more arguments than maxArgs', () => {
    expect(new RespRequestDecoder({ maxArgs: 2 }).write(Buffer.from('*3\r\n'))).toEqual([
      { type: 'error', message: 'Protocol error: invalid multibulk length (limit 2 arguments)', fatal: true },
    ]);
  });

  it('holds a large value as chunks until it is complete, then decodes it once', () => {
    const value = 'x'.repeat(200_000);
    const wire = encodeRequest(['SET', 'k', value]);
    const decoder = new RespRequestDecoder();
    const items: RespRequest[] = [];
    for (let i = 0; i < wire.length; i += 1000) items.push(...decoder.write(wire.subarray(i, i + 1000)));
    expect(items).toEqual([['SET', 'k', value]]);
  });

  it('never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat(200)), (bytes, cuts) => {
        expect(() => feed(new RespRequestDecoder({ maxRequestBytes: 64 }), Buffer.from(bytes), cuts)).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });
});
