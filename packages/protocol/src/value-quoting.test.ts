import fc from 'fast-check';
import { anyString } from './__tests__/arbitraries.js';
import { ProtocolError } from './errors.js';
import { parseCommandLine } from './parse-command.js';
import { decodeValue, encodeValue, encodeValueToken, isRawValueBytes } from './value-quoting.js';

describe('encodeValue', () => {
  it.each([
    ['hello', 'hello'],
    ['Hello World from MerkleKV', 'Hello World from MerkleKV'],
    ['{"host":"localhost","port":5432}', '{"host":"localhost","port":5432}'],
    ['a\\b', 'a\\b'],
    ['say "hi"', 'say "hi"'],
    ['', '""'],
    [' World!', '" World!"'],
    ['trailing\t', '"trailing\\t"'],
    ['line1\r\nline2', '"line1\\r\\nline2"'],
    ['"quoted"', '"\\"quoted\\""'],
    ['(null)', '"(null)"'],
    ['END', '"END"'],
    ['ENDING', '"ENDING"'],
    ['ERROR: nope', '"ERROR: nope"'],
    ['nul\0 esc\x1b del\x7f', '"nul\\0 esc\\x1b del\\x7f"'],
    ['back\\slash\n', '"back\\\\slash\\n"'],
  ])('writes %j as %s', (value, wire) => {
    expect(encodeValue(value)).toBe(wire);
  });

  it('property: quotes exactly the values a character-by-character check finds ambiguous', () => {
    const control = (c: number): boolean => c < 0x20 || c === 0x7f;
    const ambiguous = (v: string, token: boolean): boolean =>
      v === '' || /^["\t ]|[\t ]$/.test(v) || v === '(null)' || v.startsWith('END') || v.startsWith('ERROR') ||
      [...v].some((ch) => control(ch.charCodeAt(0)) || (token && ch === ' '));
    const values = fc.oneof(anyString, fc.string({ unit: fc.constantFrom('a', ' ', '\t', '\x00', '\x1f', '\x7f', '\x80', 'E', 'N', 'D', '(', '"') }));
    fc.assert(
      fc.property(values, (v) => {
        expect(encodeValue(v) !== v).toBe(ambiguous(v, false));
        expect(encodeValueToken(v) !== v).toBe(ambiguous(v, true));
      }),
    );
  });

  it('quotes a value with a space only in token form', () => {
    expect(encodeValue('a b')).toBe('a b');
    expect(encodeValueToken('a b')).toBe('"a b"');
    expect(encodeValueToken('ab')).toBe('ab');
  });
});

describe('decodeValue', () => {
  it.each([
    ['raw value', 'raw value'],
    ['a"b', 'a"b'],
    ['""', ''],
    ['"\\x41\\x7F\\x00"', 'A\x7f\0'],
    ['"tab\\there"', 'tab\there'],
  ])('reads %s as %j', (wire, value) => {
    expect(decodeValue(wire)).toBe(value);
  });

  it.each([
    ['"unterminated', 'Value has no closing quote: \'"unterminated\''],
    ['"bad \\q escape"', "Value has an unknown escape '\\q' (use \\\" \\\\ \\n \\r \\t \\0 or \\xHH)"],
    ['"bad \\x4"', "Value has a bad escape '\\x4\"': \\x needs two hex digits"],
    ['"ends in backslash\\', 'Value has no closing quote: \'"ends in backslash\\\''],
    ['"a"b', "Value has text after its closing quote: 'b'"],
  ])('rejects %s', (wire, message) => {
    const attempt = () => decodeValue(wire);
    expect(attempt).toThrow(ProtocolError);
    expect(attempt).toThrow(message);
  });
});

describe('quoting properties', () => {
  it('decodeValue inverts encodeValue and encodeValueToken for any string', () => {
    fc.assert(
      fc.property(anyString, (v) => {
        expect(decodeValue(encodeValue(v))).toBe(v);
        expect(decodeValue(encodeValueToken(v))).toBe(v);
      }),
      { numRuns: 2000 },
    );
  });

  it('never writes CR or LF, and the token form never holds an unquoted space', () => {
    fc.assert(
      fc.property(anyString, (v) => {
        const encoded = encodeValue(v);
        expect(encoded).not.toMatch(/[\r\n]/);
        const token = encodeValueToken(v);
        expect(token.startsWith('"') || !token.includes(' ')).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('SET k ${encodeValue(v)} stores exactly v', () => {
    fc.assert(
      fc.property(anyString, (v) => {
        expect(parseCommandLine(`SET k ${encodeValue(v)}`)).toEqual({ type: 'SET', key: 'k', value: v });
      }),
      { numRuns: 2000 },
    );
  });

  it('a raw reply is never mistaken for a marker: it never starts with a quote, END, ERROR or equals (null)', () => {
    fc.assert(
      fc.property(anyString, (v) => {
        const encoded = encodeValue(v);
        if (encoded.startsWith('"')) return;
        expect(encoded).toBe(v);
        expect(encoded === '(null)' || encoded.startsWith('END') || encoded.startsWith('ERROR')).toBe(false);
      }),
    );
  });
});

describe('isRawValueBytes', () => {
  const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

  it.each([
    ['hello', true],
    ['say "hi"', true],
    ['a b', true],
    ['', false],
    [' lead', false],
    ['trail ', false],
    ['"q', false],
    ['tab\tin', false],
    ['(null)', false],
    ['(null)x', true],
    ['(nul', true],
    ['END', false],
    ['ENDING', false],
    ['ERROR: x', false],
    ['ERRO', true],
    ['EN', true],
    ['caf\xe9', false],
    ['del\x7f', false],
  ])('%j → %s', (value, raw) => {
    expect(isRawValueBytes(Buffer.from(value, 'latin1'), 0, value.length)).toBe(raw);
  });

  it('property: true exactly when the bytes are ASCII and encodeValue leaves their string raw (so the reply bytes are these bytes)', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 24 }),
      fc.uint8Array({ min: 0x20, max: 0x7e, maxLength: 24 }),
      fc.constantFrom('(null)', 'END', 'ENDx', 'ERROR', 'ERRORS', 'E', '(', '(null', ' x', 'x ', '"x').map((s) => Buffer.from(s, 'latin1')),
    );
    fc.assert(
      fc.property(bytes, fc.nat(3), fc.nat(3), (body, before, after) => {
        // The bytes sit inside a larger buffer, as they do in a reply buffer.
        const buf = Buffer.concat([Buffer.alloc(before, 0x41), Buffer.from(body), Buffer.alloc(after, 0x20)]);
        const value = latin1(body);
        const ascii = body.every((c) => c < 0x80);
        const raw = isRawValueBytes(buf, before, before + body.length);
        expect(raw).toBe(ascii && encodeValue(value) === value);
        if (raw) expect(Buffer.from(encodeValue(value), 'utf8').equals(Buffer.from(body))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
