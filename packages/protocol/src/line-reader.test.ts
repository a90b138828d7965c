import fc from 'fast-check';
import { LineReader } from './line-reader.js';
import { ProtocolError } from './errors.js';

describe('LineReader', () => {
  it('splits replies on \\r\\n and \\n, keeping empty lines', () => {
    const reader = new LineReader();
    expect(reader.write(Buffer.from('OK\r\n\r\nvalue with spaces\nEND\r\n'))).toEqual(['OK', '', 'value with spaces', 'END']);
  });

  it('gives the same lines at every split point', () => {
    const stream = Buffer.from('# Server Information\r\nversion:1.0.0\r\nnode_id:ноль\r\nEND\r\n"a\\nb"\n(null)\r\n');
    const whole = new LineReader().write(stream);
    expect(whole).toEqual(['# Server Information', 'version:1.0.0', 'node_id:ноль', 'END', '"a\\nb"', '(null)']);
    for (let i = 0; i <= stream.length; i++) {
      const reader = new LineReader();
      expect([...reader.write(stream.subarray(0, i)), ...reader.write(stream.subarray(i))]).toEqual(whole);
    }
  });

  it('throws LINE_TOO_LONG once a reply line passes the limit', () => {
    const reader = new LineReader({ maxLineBytes: 8 });
    expect(reader.write(Buffer.from('12345678\r\n'))).toEqual(['12345678']);
    expect(reader.write(Buffer.from('12345'))).toEqual([]);
    let caught: unknown;
    try {
      reader.write(Buffer.from('67890'));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ProtocolError);
    expect(caught).toMatchObject({ code: 'LINE_TOO_LONG', message: 'Reply line too long (limit 8 bytes)' });
  });

  it('property: lines joined with CRLF come back in any chunking', () => {
    const line = fc.string({ unit: 'binary' }).map((s) => s.replace(/[\r\n]/g, ''));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 10 }), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1 }), (lines, sizes) => {
        const stream = Buffer.from(lines.map((l) => `${l}\r\n`).join(''));
        const reader = new LineReader();
        const out: string[] = [];
        let at = 0;
        for (let i = 0; at < stream.length; i++) {
          const size = sizes[i % sizes.length] as number;
          out.push(...reader.write(stream.subarray(at, at + size)));
          at += size;
        }
        expect(out).toEqual(lines);
      }),
    );
  });
});
