import { bytesToString, stringToBytes } from '@merklekv/merkle';
import fc from 'fast-check';
import { LineFramer } from './line-framer.js';

/** Every line a framer reports for `chunks`, too-long ones as null. */
function frame(chunks: readonly Buffer[], limit = 1 << 20): (string | null)[] {
  const out: (string | null)[] = [];
  const framer = new LineFramer(limit);
  for (const chunk of chunks) framer.push(chunk, { line: (text) => out.push(text), tooLong: () => out.push(null) });
  return out;
}

/** The reference: split the whole stream's bytes at LF, drop one CR before it, decode each line as UTF-8 (bytes outside it escaped). */
function reference(bytes: Buffer): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let lf = bytes.indexOf(0x0a); lf !== -1; lf = bytes.indexOf(0x0a, start)) {
    const end = lf > start && bytes[lf - 1] === 0x0d ? lf - 1 : lf;
    lines.push(bytesToString(bytes, start, end));
    start = lf + 1;
  }
  return lines;
}

describe('LineFramer', () => {
  it('decodes ASCII chunks (the latin1 path) and chunks with UTF-8 alike', () => {
    expect(frame([Buffer.from('SET k v\r\nGET k\n\x00\x1f\x7f\r\n')])).toEqual(['SET k v', 'GET k', '\x00\x1f\x7f']);
    expect(frame([Buffer.from('SET k ноль\r\nGET k\r\n')])).toEqual(['SET k ноль', 'GET k']);
    expect(frame([Buffer.from([0x41, 0xff, 0x0a, 0x42, 0x0a])])).toEqual(['A\udcff', 'B']);
  });

  it('property: any bytes, in any chunks, give the lines of a per-line UTF-8 decode', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.array(fc.integer({ min: 0, max: 0x7f }), { maxLength: 300 }).map((a) => Uint8Array.from(a)),
      fc.array(fc.constantFrom(...Buffer.from('SET k v\r\n é€😀 \n\r')), { maxLength: 300 }).map((a) => Uint8Array.from(a)),
    );
    fc.assert(
      fc.property(bytes, fc.array(fc.nat(), { maxLength: 6 }), (input, cuts) => {
        const buf = Buffer.from(input);
        const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let from = 0;
        for (const p of [...points, buf.length]) {
          chunks.push(buf.subarray(from, p));
          from = p;
        }
        const lines = frame(chunks);
        expect(lines).toEqual(reference(buf));
        // Lossless: the lines' bytes, joined by LF, are the input up to its last LF (CRs before LF aside).
        const lastLf = buf.lastIndexOf(0x0a);
        const kept = Buffer.from(buf.subarray(0, lastLf + 1).toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
        expect(Buffer.concat(lines.map((l) => Buffer.concat([stringToBytes(l as string), Buffer.of(0x0a)]))).equals(kept)).toBe(true);
      }),
    );
  });
});
