import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ReplyBytes } from './reply-bytes.js';
import { ReplyPipeline, type PipelineReply } from './reply-pipeline.js';

/** A socket that keeps what is written (every write taken as written at once). */
class CapturingSocket extends EventEmitter {
  readonly writes: Buffer[] = [];
  writableLength = 0;
  destroyed = false;
  setNoDelay(): void {}
  pause(): void {}
  resume(): void {}
  write(data: string | Buffer): boolean {
    // Copied now: a view handed to write must never change afterwards, which this also checks.
    this.writes.push(Buffer.from(typeof data === 'string' ? Buffer.from(data, 'utf8') : data));
    return true;
  }
  end(): void {}
  destroy(): void {
    this.destroyed = true;
  }
}

/** How one request is answered. */
type Answer =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'buffer'; readonly bytes: Uint8Array }
  | { readonly kind: 'direct'; readonly bytes: Uint8Array }
  | { readonly kind: 'async'; readonly text: string; readonly delay: number };

const answer: fc.Arbitrary<Answer> = fc.oneof(
  fc.record({ kind: fc.constant('text' as const), text: fc.string({ maxLength: 12 }) }),
  fc.record({ kind: fc.constant('text' as const), text: fc.integer({ min: 16_000, max: 20_000 }).map((n) => 'L'.repeat(n)) }),
  fc.record({ kind: fc.constant('buffer' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
  fc.record({ kind: fc.constant('direct' as const), bytes: fc.uint8Array({ maxLength: 12 }) }),
  fc.record({ kind: fc.constant('async' as const), text: fc.string({ minLength: 1, maxLength: 8 }), delay: fc.nat(3) }),
);

const bytesOf = (a: Answer): Buffer => (a.kind === 'text' || a.kind === 'async' ? Buffer.from(a.text, 'utf8') : Buffer.from(a.bytes));

describe('ReplyPipeline', () => {
  it('property: writes every reply in request order, whether text, bytes, bytes a handler wrote into the reply bytes, or later', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(answer, { maxLength: 8 }), { minLength: 1, maxLength: 6 }), async (chunks) => {
        const socket = new CapturingSocket();
        const out = new ReplyBytes();
        const run = (a: Answer, bytes: ReplyBytes): PipelineReply => {
          switch (a.kind) {
            case 'text':
              return a.text;
            case 'buffer':
              return Buffer.from(a.bytes);
            case 'direct':
              bytes.appendBytes(a.bytes);
              return '';
            case 'async':
              return new Promise((resolve) => setTimeout(() => resolve(a.text), a.delay));
          }
        };
        let decoded = 0;
        new ReplyPipeline<Answer>(socket as unknown as Socket, {
          decode: () => chunks[decoded++] ?? [],
          onIdle: () => undefined,
          run,
          failed: (err) => `failed ${err.message}`,
          out,
        });
        for (let i = 0; i < chunks.length; i++) socket.emit('data', Buffer.alloc(1));
        const want = Buffer.concat(chunks.flat().map(bytesOf));
        const deadline = Date.now() + 10_000;
        while (Buffer.concat(socket.writes).length < want.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        expect(Buffer.concat(socket.writes).equals(want)).toBe(true);
        expect(out.length).toBe(0);
      }),
      { numRuns: 150 },
    );
  });

  it('gathers the replies of one read into one write', () => {
    const socket = new CapturingSocket();
    new ReplyPipeline<string>(socket as unknown as Socket, {
      decode: (chunk) => chunk.toString().split(','),
      onIdle: () => undefined,
      run: (item, out) => {
        if (item !== 'direct') return `${item}\r\n`;
        out.appendText('raw\r\n');
        return '';
      },
      failed: () => 'failed\r\n',
      out: new ReplyBytes(),
    });
    socket.emit('data', Buffer.from('a,direct,b'));
    expect(socket.writes.map(String)).toEqual(['a\r\nraw\r\nb\r\n']);
  });
});
