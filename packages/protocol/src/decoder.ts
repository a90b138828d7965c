/**
 * The push-based request decoder a server runs per connection: feed it the
 * socket's chunks, get back the commands (and per-line errors) they complete.
 */
import type { Command } from './command.js';
import { DEFAULT_MAX_LINE_BYTES } from './constants.js';
import type { ProtocolErrorCode } from './errors.js';
import { ProtocolError } from './errors.js';
import { LineFramer } from './line-framer.js';
import type { LineSink } from './line-framer.js';
import { parseCommandLine } from './parse-command.js';

/**
 * A request line that could not be decoded. `message` is the reply text
 * without the `ERROR: ` prefix; the server answers `ERROR: ${message}`.
 */
export interface DecodeError {
  readonly type: 'error';
  readonly code: ProtocolErrorCode;
  readonly message: string;
}

/** One decoded request line: a command, or the error it earns. */
export type DecodedItem = Command | DecodeError;

/** Options of a {@link CommandDecoder}. */
export interface CommandDecoderOptions {
  /**
   * The longest request line, in bytes, not counting its line ending. A longer
   * line yields one `Line too long (limit N bytes)` error and its bytes are
   * dropped as they arrive.
   * @default 1048576 (1 MiB)
   */
  readonly maxLineBytes?: number;
}

/**
 * Decodes a stream of request lines. Lines may be split across chunks at any
 * byte; `\r\n` and a bare `\n` both end a line; blank lines are skipped. Any
 * input, even random bytes, gives commands and error items, never an exception.
 *
 * @example
 * const decoder = new CommandDecoder();
 * socket.on('data', (chunk) => {
 *   for (const item of decoder.write(chunk)) reply(item.type === 'error' ? `ERROR: ${item.message}` : run(item));
 * });
 */
export class CommandDecoder {
  private readonly framer: LineFramer;
  private readonly tooLongMessage: string;
  private items: DecodedItem[] = [];
  private readonly sink: LineSink = {
    line: (text) => this.onLine(text),
    tooLong: () => this.items.push({ type: 'error', code: 'LINE_TOO_LONG', message: this.tooLongMessage }),
  };

  /** @throws RangeError if `maxLineBytes` is not a positive integer. */
  constructor(opts: CommandDecoderOptions = {}) {
    this.framer = new LineFramer(opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    this.tooLongMessage = `Line too long (limit ${this.framer.maxLineBytes} bytes)`;
  }

  /** Bytes of an unfinished request line held between chunks. */
  get bufferedBytes(): number {
    return this.framer.bufferedBytes;
  }

  /** Feeds one chunk; returns the items of every line it completes, in order. */
  write(chunk: Buffer): DecodedItem[] {
    this.framer.push(chunk, this.sink);
    const items = this.items;
    if (items.length > 0) this.items = [];
    return items;
  }

  private onLine(text: string): void {
    if (isBlank(text)) return;
    try {
      this.items.push(parseCommandLine(text));
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.items.push({ type: 'error', code: err.code, message: err.message });
    }
  }
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== 0x20) return false;
  return true;
}
