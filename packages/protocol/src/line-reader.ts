/** Splits a client's reply stream into lines. */
import { DEFAULT_MAX_REPLY_LINE_BYTES } from './constants.js';
import { ProtocolError } from './errors.js';
import { LineFramer } from './line-framer.js';
import type { LineSink } from './line-framer.js';

/** Options of a {@link LineReader}. */
export interface LineReaderOptions {
  /**
   * The longest reply line, in bytes, not counting its line ending.
   * @default 16777216 (16 MiB)
   */
  readonly maxLineBytes?: number;
}

/**
 * Splits replies into lines (without `\r\n` or `\n`), across chunks split at
 * any byte. Unlike the request decoder it keeps empty lines: a reply line is
 * whatever the server wrote.
 */
export class LineReader {
  private readonly framer: LineFramer;
  private lines: string[] = [];
  private overflow = false;
  private readonly sink: LineSink = {
    line: (text) => this.lines.push(text),
    tooLong: () => {
      this.overflow = true;
    },
  };

  /** @throws RangeError if `maxLineBytes` is not a positive integer. */
  constructor(opts: LineReaderOptions = {}) {
    this.framer = new LineFramer(opts.maxLineBytes ?? DEFAULT_MAX_REPLY_LINE_BYTES);
  }

  /**
   * Feeds one chunk; returns the lines it completes, in order.
   * @throws ProtocolError `LINE_TOO_LONG` when a reply line passes the limit.
   *   That reply is lost, so the stream is out of step with the requests:
   *   close the connection and fail the requests in flight.
   */
  write(chunk: Buffer): string[] {
    this.framer.push(chunk, this.sink);
    const lines = this.lines;
    this.lines = [];
    if (this.overflow) {
      this.overflow = false;
      throw new ProtocolError('LINE_TOO_LONG', `Reply line too long (limit ${this.framer.maxLineBytes} bytes)`);
    }
    return lines;
  }
}
