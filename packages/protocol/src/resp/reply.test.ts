import fc from 'fast-check';
import { bytesToString } from '@merklekv/merkle';
import { readReply, type Read } from './__tests__/reply-reader.js';
import { encodeReply, respBulk, respError, type RespValue, type RespVersion } from './reply.js';

const leaf: fc.Arbitrary<RespValue> = fc.oneof(
  fc.uint8Array({ maxLength: 20 }).map((b) => bytesToString(Buffer.from(b))),
  fc.constant(null),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.stringMatching(/^[ -~]{0,20}$/).map((simple) => ({ simple })),
  fc.stringMatching(/^ERR [ -~]{0,20}$/).map((error) => ({ error })),
  fc.double({ noDefaultInfinity: false }).map((double) => ({ double })),
  fc.boolean().map((bool) => ({ bool })),
);
const { value } = fc.letrec<{ value: RespValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }).map((map) => ({ map })),
    fc.array(tie('value'), { maxLength: 3 }).map((set) => ({ set })),
  ),
}));

/** What a reader of `version` should see for a value. */
function expected(v: RespValue, version: RespVersion): Read {
  if (v === null) return { t: 'null' };
  if (typeof v === 'string') return { t: 'bulk', v: encodeBulkBytes(v) };
  if (typeof v === 'bigint' || typeof v === 'number') return { t: 'int', v: BigInt(v) };
  if (Array.isArray(v)) return { t: 'array', v: (v as RespValue[]).map((x) => expected(x, version)) };
  const o = v as Extract<RespValue, object>;
  if ('simple' in o) return { t: 'simple', v: o.simple };
  if ('error' in o) return { t: 'error', v: o.error };
  if ('double' in o) {
    const text = Number.isNaN(o.double) ? 'nan' : o.double === Infinity ? 'inf' : o.double === -Infinity ? '-inf' : String(o.double);
    return version === 3 ? { t: 'double', v: text } : { t: 'bulk', v: Buffer.from(text) };
  }
  if ('bool' in o) return version === 3 ? { t: 'bool', v: o.bool } : { t: 'int', v: o.bool ? 1n : 0n };
  if ('map' in o) {
    const map = (o as { map: readonly (readonly [RespValue, RespValue])[] }).map;
    return version === 3
      ? { t: 'map', v: map.map(([k, x]) => [expected(k, version), expected(x, version)] as [Read, Read]) }
      : { t: 'array', v: map.flatMap(([k, x]) => [expected(k, version), expected(x, version)]) };
  }
  if ('set' in o) return { t: version === 3 ? 'set' : 'array', v: o.set.map((x) => expected(x, version)) };
  return version === 3 ? { t: 'verbatim', v: o.verbatim } : { t: 'bulk', v: Buffer.from(o.verbatim) };
}

function encodeBulkBytes(text: string): Buffer {
  const encoded = respBulk(text, 2);
  const buf = typeof encoded === 'string' ? Buffer.from(encoded) : encoded;
  return readReply(buf).value.t === 'bulk' ? (readReply(buf).value as { v: Buffer }).v : Buffer.alloc(0);
}

describe('encodeReply', () => {
  it.each([2, 3] as const)('writes every value so that a RESP%i reader reads it back whole', (version) => {
    fc.assert(
      fc.property(value, (v) => {
        const encoded = encodeReply(v, version);
        const buf = typeof encoded === 'string' ? Buffer.from(encoded, 'utf8') : encoded;
        const { value: read, next } = readReply(buf);
        expect(next).toBe(buf.length);
        expect(read).toEqual(expected(v, version));
      }),
      { numRuns: 500 },
    );
  });

  it('writes nil, maps and doubles per version', () => {
    expect(encodeReply(null, 2)).toBe('$-1\r\n');
    expect(encodeReply(null, 3)).toBe('_\r\n');
    expect(encodeReply({ map: [['a', 1]] }, 2)).toBe('*2\r\n$1\r\na\r\n:1\r\n');
    expect(encodeReply({ map: [['a', 1]] }, 3)).toBe('%1\r\n$1\r\na\r\n:1\r\n');
    expect(encodeReply({ double: 1.5 }, 3)).toBe(',1.5\r\n');
    expect(encodeReply({ double: 1.5 }, 2)).toBe('$3\r\n1.5\r\n');
  });

  it('writes a value byte for byte, escaped bytes restored', () => {
    expect(respBulk('é', 2)).toBe('$2\r\né\r\n');
    expect(respBulk('\udcff', 2)).toEqual(Buffer.from([0x24, 0x31, 0x0d, 0x0a, 0xff, 0x0d, 0x0a]));
  });

  it('keeps an error on one line', () => {
    expect(respError('ERR a\r\nb')).toBe('-ERR a b\r\n');
  });
});
