import { bytesToString, stringToBytes } from '@merklekv/merkle';
import fc from 'fast-check';
import { versionArb } from './__tests__/arbitraries.js';
import { LineFramer } from './line-framer.js';
import { decodeGetvLine, decodeVersionLine, encodeVersion } from './version-line.js';

describe('version lines', () => {
  it('writes key ts node deleted value, the value raw or quoted', () => {
    expect(encodeVersion({ key: 'k', ts: 1740000000000001, node: 'node-a', deleted: false, value: 'hello world' })).toBe(
      'k 1740000000000001 node-a 0 hello world',
    );
    expect(encodeVersion({ key: 'k', ts: 5, node: 'n', deleted: true, value: '' })).toBe('k 5 n 1 ""');
    expect(encodeVersion({ key: 'k', ts: 5, node: 'n', deleted: false, value: ' x\n' })).toBe('k 5 n 0 " x\\n"');
  });

  it('writes an expiry after the deleted flag, and nothing when there is none', () => {
    expect(encodeVersion({ key: 's', ts: 5, node: 'n', deleted: false, value: 'tok', expireAt: 1790000060000 })).toBe('s 5 n 0:1790000060000 tok');
    expect(encodeVersion({ key: 's', ts: 5, node: 'n', deleted: false, value: 'tok', expireAt: 0 })).toBe('s 5 n 0 tok');
    expect(decodeVersionLine('s 5 n 1:1790000060000 ""')).toEqual({ key: 's', ts: 5, node: 'n', deleted: true, value: '', expireAt: 1790000060000 });
  });

  it('reads GETV reply lines, including `key -` for an unknown key', () => {
    expect(decodeGetvLine('user:1 -')).toEqual({ key: 'user:1', version: null });
    expect(decodeGetvLine('user:1 9 n 0 -')).toEqual({ key: 'user:1', version: { key: 'user:1', ts: 9, node: 'n', deleted: false, value: '-' } });
  });

  it.each([
    ['k 1 n 0', 'Missing arguments: Version line needs key ts node deleted value'],
    ['k x n 0 v', "Version line ts must be a non-negative integer timestamp, got 'x'"],
    ['k 99999999999999999 n 0 v', "Version line ts must be a non-negative integer timestamp, got '99999999999999999'"],
    ['k 1 n yes v', "Version line deleted flag must be 0 or 1, optionally followed by :expireAt, got 'yes'"],
    ['k 1 n 0:x v', "Version line expireAt must be a non-negative integer timestamp, got 'x'"],
    ['k 1 n 0- v', "Version line deleted flag must be 0 or 1, optionally followed by :expireAt, got '0-'"],
    ['k 1 n 0 "v', "Version line value has no closing quote: '\"v'"],
  ])('rejects %j', (line, message) => {
    expect(() => decodeVersionLine(line)).toThrow(message);
  });

  it('property: decodeVersionLine(encodeVersion(v)) = v', () => {
    fc.assert(
      fc.property(versionArb, (v) => {
        const line = encodeVersion(v);
        expect(line).not.toMatch(/[\r\n]/);
        expect(decodeVersionLine(line)).toEqual(v);
        expect(decodeGetvLine(line)).toEqual({ key: v.key, version: v });
      }),
      { numRuns: 1000 },
    );
  });

  it('property: a binary value (bytes that are not UTF-8) crosses the wire in a version line exactly', () => {
    fc.assert(
      fc.property(versionArb, fc.uint8Array({ maxLength: 60 }), (v, bytes) => {
        const value = bytesToString(Buffer.from(bytes));
        const version = v.deleted ? v : { ...v, value };
        // As the node and the client send a line (stringToBytes) and read it (LineFramer).
        const wire = Buffer.concat([stringToBytes(encodeVersion(version)), Buffer.from('\r\n')]);
        const lines: string[] = [];
        new LineFramer(1 << 20).push(wire, { line: (l) => lines.push(l), tooLong: () => lines.push('(too long)') });
        expect(lines).toHaveLength(1);
        const back = decodeVersionLine(lines[0] as string);
        expect(back).toEqual(version);
        if (!v.deleted) expect(stringToBytes(back.value).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
