import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { bytesToString, holdsEscapedBytes, stringToBytes } from '@merklekv/merkle';
import { ReplyBytes } from './reply-bytes.js';

const escapedBytes = (text: string): string | Buffer => (holdsEscapedBytes(text) ? stringToBytes(text) : text);

type Op =
  | { readonly kind: 'text'; readonly text: string; readonly escaped: boolean }
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | { readonly kind: 'direct'; readonly bytes: Uint8Array }
  | { readonly kind: 'take' }
  | { readonly kind: 'release' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('text' as const), text: fc.string({ unit: 'binary', maxLength: 40 }), escaped: fc.boolean() }),
  fc.record({ kind: fc.constant('text' as const), text: fc.uint8Array({ maxLength: 30 }).map((b) => bytesToString(Buffer.from(b))), escaped: fc.constant(true) }),
  fc.record({ kind: fc.constant('text' as const), text: fc.integer({ min: 200, max: 40_000 }).map((n) => 'a'.repeat(n)), escaped: fc.boolean() }),
  fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 70_000 }) }),
  fc.record({ kind: fc.constant('direct' as const), bytes: fc.uint8Array({ maxLength: 5000 }) }),
  fc.constant({ kind: 'take' as const }),
  fc.constant({ kind: 'release' as const }),
);

describe('ReplyBytes', () => {
  it('property: what is taken, in order, is every append as its bytes; a view is not written again until released', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const out = new ReplyBytes();
        const expected: Buffer[] = [];
        /** Each view taken, the bytes it must hold, and a copy made when it was released (it may change after). */
        const taken: Array<{ view: Buffer; want: Buffer; released?: Buffer }> = [];
        let since: Buffer[] = [];
        const take = (): void => {
          const view = out.take();
          const want = Buffer.concat(since);
          since = [];
          if (want.length === 0) expect(view).toBeUndefined();
          else {
            expect(view).toBeDefined();
            taken.push({ view: view as Buffer, want });
          }
        };
        for (const o of ops) {
          if (o.kind === 'take') {
            take();
            continue;
          }
          if (o.kind === 'release') {
            // Releases the view last taken, as a writer does once the socket took its bytes.
            const last = taken[taken.length - 1];
            if (last !== undefined && last.released === undefined) {
              last.released = Buffer.from(last.view);
              out.release();
            }
            continue;
          }
          let bytes: Buffer;
          if (o.kind === 'text') {
            const encoded = o.escaped ? escapedBytes(o.text) : o.text;
            bytes = typeof encoded === 'string' ? Buffer.from(encoded, 'utf8') : encoded;
            out.appendText(o.text, o.escaped ? escapedBytes : undefined);
          } else if (o.kind === 'bytes') {
            bytes = Buffer.from(o.bytes);
            out.appendBytes(o.bytes);
          } else {
            bytes = Buffer.from(o.bytes);
            const buf = out.reserve(bytes.length);
            buf.set(bytes, out.end);
            out.end += bytes.length;
          }
          since.push(bytes);
          expected.push(bytes);
          expect(out.length).toBe(Buffer.concat(since).length);
        }
        take();
        // Checked at the end: appends after a take must not have touched the views still held.
        for (const { view, want, released } of taken) expect((released ?? view).equals(want)).toBe(true);
        expect(Buffer.concat(taken.map(({ view, released }) => released ?? view)).equals(Buffer.concat(expected))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('reuses the slab from its start once every view is released, and not while one is held', () => {
    const out = new ReplyBytes();
    out.appendText('first');
    const first = out.take() as Buffer;
    out.release();
    out.appendText('again');
    const again = out.take() as Buffer;
    expect(again.buffer).toBe(first.buffer);
    expect(again.byteOffset).toBe(first.byteOffset);
    expect(String(again)).toBe('again');
    // Held (not released), then another view released: the held one must stay as it is.
    out.appendText('next');
    out.take();
    out.appendText('third');
    const third = out.take() as Buffer;
    out.release();
    out.appendText('fourth');
    const fourth = out.take() as Buffer;
    expect(fourth.byteOffset).toBe(third.byteOffset + third.length);
    expect(String(again)).toBe('again');
  });

  it('writes text as UTF-8 by default (a lone surrogate as U+FFFD, as socket.write does)', () => {
    const out = new ReplyBytes();
    out.appendText('é\udcff');
    expect(out.take()).toEqual(Buffer.from('é\udcff', 'utf8'));
  });
});
