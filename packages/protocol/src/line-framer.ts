/**
 * Splits a byte stream into lines, for the request decoder and the reply
 * reader alike. A line ends at `\n`; a `\r` just before it is dropped too.
 *
 * Only the unfinished tail of a line is kept between chunks, and never more
 * than `maxLineBytes + 1` bytes of it (the extra byte may be the `\r` of a
 * `\r\n` that arrives split). Once a line is known to be too long it is
 * reported once and its remaining bytes are skipped as they arrive, up to the
 * next `\n`, without being stored.
 *
 * Lines are UTF-8; a byte that is not valid UTF-8 is kept as one escaped
 * character U+DC80..U+DCFF (merkle's bytes.ts, the RESP port's codec), so a
 * binary value in a version line (GETV, PUTV, RECORDS, PUTVS) or a GET reply
 * arrives exactly; writers send such strings back with `stringToBytes`.
 *
 * A chunk of ASCII bytes only (checked once per chunk, natively) has its lines
 * decoded as latin1, which gives the same string as UTF-8 there and skips the
 * UTF-8 decoder's work per line.
 */
import { isAscii } from 'node:buffer';
import { bytesToString } from '@merklekv/merkle';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Buffer's own Latin-1 decoder, which `toString('latin1', …)` calls after checking its arguments
 * and looking up the encoding: that wrapper cost as much as the decoding of a short request line.
 * Not in Node's typings; `toString` is used where it is missing.
 */
const nativeLatin1Slice = (Buffer.prototype as unknown as { latin1Slice?: (start: number, end: number) => string }).latin1Slice;
const latin1 =
  typeof nativeLatin1Slice === 'function'
    ? (chunk: Buffer, start: number, end: number): string => nativeLatin1Slice.call(chunk, start, end)
    : (chunk: Buffer, start: number, end: number): string => chunk.toString('latin1', start, end);

/** What a {@link LineFramer} reports to. */
export interface LineSink {
  /** A complete line, decoded as UTF-8 (bytes outside it escaped), without its line ending. */
  line(text: string): void;
  /** A line passed the limit; called once per such line. */
  tooLong(): void;
}

/** The byte-level line splitter shared by `CommandDecoder` and `LineReader`. */
export class LineFramer {
  private parts: Buffer[] = [];
  private partBytes = 0;
  private discarding = false;

  constructor(readonly maxLineBytes: number) {
    if (!Number.isSafeInteger(maxLineBytes) || maxLineBytes < 1) {
      throw new RangeError(`maxLineBytes must be a positive integer, got ${maxLineBytes}`);
    }
  }

  /** Bytes of an unfinished line held right now (at most `maxLineBytes + 1`). */
  get bufferedBytes(): number {
    return this.partBytes;
  }

  /** Feeds one chunk; complete lines and over-long ones are reported to `sink` in order. */
  push(chunk: Buffer, sink: LineSink): void {
    const n = chunk.length;
    const ascii = isAscii(chunk);
    let start = 0;
    while (start < n) {
      const lf = chunk.indexOf(LF, start);
      if (this.discarding) {
        if (lf === -1) return;
        this.discarding = false;
        start = lf + 1;
        continue;
      }
      if (lf === -1) {
        this.keepTail(chunk, start, sink);
        return;
      }
      this.finishLine(chunk, start, lf, ascii, sink);
      start = lf + 1;
    }
  }

  /** Stores the unfinished tail `chunk[start..]`, or reports it as too long. */
  private keepTail(chunk: Buffer, start: number, sink: LineSink): void {
    const bytes = chunk.length - start;
    if (this.partBytes + bytes > this.maxLineBytes + 1) {
      this.dropTail();
      this.discarding = true;
      sink.tooLong();
      return;
    }
    // Copy, so a small tail does not pin a large socket chunk in memory.
    this.parts.push(Buffer.from(chunk.subarray(start)));
    this.partBytes += bytes;
  }

  /** Reports the line made of the stored tail plus `chunk[start..lf)`. */
  private finishLine(chunk: Buffer, start: number, lf: number, ascii: boolean, sink: LineSink): void {
    if (this.partBytes === 0) {
      const end = lf > start && chunk[lf - 1] === CR ? lf - 1 : lf;
      if (end - start > this.maxLineBytes) sink.tooLong();
      else sink.line(ascii ? latin1(chunk, start, end) : bytesToString(chunk, start, end));
      return;
    }
    const total = this.partBytes + (lf - start);
    const lastByte = lf > start ? chunk[lf - 1] : this.lastStoredByte();
    const length = lastByte === CR ? total - 1 : total;
    if (length > this.maxLineBytes) {
      this.dropTail();
      sink.tooLong();
      return;
    }
    this.parts.push(chunk.subarray(start, lf));
    const joined = Buffer.concat(this.parts, total);
    this.dropTail();
    sink.line(bytesToString(joined, 0, length));
  }

  private lastStoredByte(): number | undefined {
    const last = this.parts[this.parts.length - 1];
    return last?.[last.length - 1];
  }

  private dropTail(): void {
    this.parts = [];
    this.partBytes = 0;
  }
}
