import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ReplyBytes } from './reply-bytes.js';
import { ReplyPipeline, type PipelineReply } from './reply-pipeline.js';

/**
 * A socket that keeps what is written. With `backlog`, some writes stay "buffered" (writableLength
 * above 0 afterwards) and are kept as the very Buffer given, as a real socket keeps it until sent:
 * the pipeline must not reuse those bytes. The others are copied at once, as the kernel does.
 */
class CapturingSocket extends EventEmitter {
  readonly writes: Buffer[] = [];
  writableLength = 0;
  destroyed = false;
  private n = 0;
  constructor(private readonly backlog: readonly boolean[] = []) {
    super();
  }
  setNoDelay(): void {}
  pause(): void {}
  resume(): void {}
  write(data: string | Buffer): boolean {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const buffered = this.backlog[this.n++ % Math.max(1, this.backlog.length)] === true;
    this.writableLength = buffered ? bytes.length : 0;
    this.writes.push(buffered ? bytes : Buffer.from(bytes));
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
  it('property: writes every reply in request order, whether text, bytes, bytes a handler wrote into the reply bytes, or later; bytes a socket still holds are never overwritten', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(answer, { maxLength: 8 }), { minLength: 1, maxLength: 6 }), fc.array(fc.boolean(), { maxLength: 5 }), async (chunks, backlog) => {
        const socket = new CapturingSocket(backlog);
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
        // Bytes still "buffered" in the socket are read now, after every later reply was gathered.
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
