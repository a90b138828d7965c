/**
 * The push-based RESP request decoder a server runs per connection: feed it
 * the socket's chunks, get back each complete request as its arguments.
 *
 * A request is an array of bulk strings (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`, what
 * every client library sends) or an inline command (`GET k\r\n`, what telnet
 * and `redis-cli` in some modes send), split like Redis' `sdssplitargs`:
 * spaces separate arguments, "double quotes" take `\n \r \t \b \a \\ \" \xHH`,
 * 'single quotes' take `\'`. Requests may be split across chunks at any byte.
 *
 * Limits keep memory bounded whatever a client sends: a request's bytes
 * (inline line, or the sum of its bulk strings) and its argument count. A
 * request past a limit, or bytes that break the framing, yield one fatal
 * error item; the decoder then ignores everything after it (the server
 * replies with the error and closes the connection, as Redis does).
 */
import { isAscii } from 'node:buffer';
import { bytesToString } from '@merklekv/merkle';
import { splitInline } from './inline.js';

/** A request the decoder could not read. `message` is the reply text without the leading `-`. */
export interface RespDecodeError {
  readonly type: 'error';
  readonly message: string;
  /** Framing is lost (or a limit passed): reply, then close the connection. */
  readonly fatal: boolean;
}

/** One decoded request: its arguments (name first), or an error. */
export type RespRequest = string[] | RespDecodeError;

/** Options of a {@link RespRequestDecoder}. */
export interface RespDecoderOptions {
  /**
   * The largest request, in bytes: an inline line, or the sum of a request's
   * bulk strings. Maps to the text port's `[network] max_line_bytes`.
   * @default 1048576 (1 MiB)
   */
  readonly maxRequestBytes?: number;
  /**
   * The most arguments in one request.
   * @default 1048576 (Redis' limit)
   */
  readonly maxArgs?: number;
}

/** Longest `*n` or `$n` header line, CRLF included: a length past this is not a number we accept. */
const MAX_HEADER = 32;
const CR = 0x0d;
const LF = 0x0a;
const STAR = 0x2a;
const DOLLAR = 0x24;

/** Buffer's own latin1 slicer (what `toString('latin1', …)` ends in, without its argument checks), if this runtime has it. */
type Slicer = (this: Buffer, start: number, end: number) => string;
const nativeLatin1Slice = (Buffer.prototype as unknown as { latin1Slice?: Slicer }).latin1Slice;
const latin1Slice: (b: Buffer, start: number, end: number) => string =
  typeof nativeLatin1Slice === 'function' ? (b, start, end) => nativeLatin1Slice.call(b, start, end) : (b, start, end) => b.toString('latin1', start, end);

/** The result of one parse attempt: a request, nothing yet (and how many bytes to wait for), or an error. */
type Step = { readonly args: string[] | undefined; readonly next: number } | { readonly need: number } | RespDecodeError;

/**
 * Decodes RESP requests. Never throws on input: any bytes give requests and
 * error items.
 */
export class RespRequestDecoder {
  readonly maxRequestBytes: number;
  readonly maxArgs: number;
  /** Bytes of an unfinished request kept between chunks. */
  private rest: Buffer[] = [];
  private restBytes = 0;
  /** Parse again only once this many bytes are held. */
  private need = 0;
  private failed = false;

  /** @throws RangeError if a limit is not a positive integer. */
  constructor(opts: RespDecoderOptions = {}) {
    this.maxRequestBytes = opts.maxRequestBytes ?? 1024 * 1024;
    this.maxArgs = opts.maxArgs ?? 1024 * 1024;
    for (const [name, v] of [['maxRequestBytes', this.maxRequestBytes], ['maxArgs', this.maxArgs]] as const) {
      if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
    }
  }

  /** Bytes of an unfinished request held between chunks. */
  get bufferedBytes(): number {
    return this.restBytes;
  }

  /** Feeds one chunk; returns every request it completes, in order. */
  write(chunk: Buffer): RespRequest[] {
    if (this.failed || chunk.length === 0) return [];
    let buf: Buffer;
    if (this.restBytes === 0) buf = chunk;
    else {
      this.rest.push(chunk);
      this.restBytes += chunk.length;
      if (this.restBytes < this.need) return [];
      buf = this.rest.length === 1 ? (this.rest[0] as Buffer) : Buffer.concat(this.rest, this.restBytes);
      this.rest = [];
      this.restBytes = 0;
    }
    const out: RespRequest[] = [];
    // A chunk of ASCII bytes only (checked once, natively) decodes as latin1: the same
    // strings as UTF-8 there, without validating each argument.
    const ascii = isAscii(buf);
    let at = 0;
    while (at < buf.length) {
      const step = buf[at] === STAR ? this.multiBulk(buf, at, ascii) : this.inline(buf, at);
      if ('type' in step) {
        out.push(step);
        if (step.fatal) {
          this.failed = true;
          return out;
        }
        continue;
      }
      if ('need' in step) {
        // Keep only the unfinished request; parse again once its known bytes arrived.
        this.rest = [buf.subarray(at)];
        this.restBytes = buf.length - at;
        this.need = step.need;
        break;
      }
      if (step.args !== undefined) out.push(step.args);
      at = step.next;
    }
    return out;
  }

  private fatal(message: string): RespDecodeError {
    return { type: 'error', message, fatal: true };
  }

  private inline(buf: Buffer, at: number): Step {
    const nl = buf.indexOf(LF, at);
    if (nl < 0) {
      if (buf.length - at > this.maxRequestBytes) return this.fatal(`Protocol error: too big inline request (limit ${this.maxRequestBytes} bytes, [network] max_line_bytes)`);
      return { need: buf.length - at + 1 };
    }
    const end = nl > at && buf[nl - 1] === CR ? nl - 1 : nl;
    if (end - at > this.maxRequestBytes) return this.fatal(`Protocol error: too big inline request (limit ${this.maxRequestBytes} bytes, [network] max_line_bytes)`);
    const split = splitInline(buf, at, end);
    if (split === undefined) return this.fatal('Protocol error: unbalanced quotes in request');
    if (split.length > this.maxArgs) return this.fatal(`Protocol error: too many arguments (limit ${this.maxArgs})`);
    return { args: split.length === 0 ? undefined : split.map((b) => bytesToString(b)), next: nl + 1 };
  }

  private multiBulk(buf: Buffer, start: number, ascii: boolean): Step {
    const count = this.header(buf, start);
    if (count === undefined) return { need: buf.length - start + 1 };
    if ('type' in count) return count;
    if (count.value > this.maxArgs) return this.fatal(`Protocol error: invalid multibulk length (limit ${this.maxArgs} arguments)`);
    let at = count.next;
    if (count.value <= 0) return { args: undefined, next: at }; // `*0` and `*-1`: nothing to run, as in Redis
    const args: string[] = new Array<string>(count.value);
    let total = 0;
    for (let i = 0; i < count.value; i++) {
      if (at >= buf.length) return { need: buf.length - start + 1 };
      if (buf[at] !== DOLLAR) return this.fatal(`Protocol error: expected '$', got '${printable(buf[at] as number)}'`);
      const len = this.header(buf, at);
      if (len === undefined) return { need: buf.length - start + 1 };
      if ('type' in len) return len;
      if (len.value < 0) return this.fatal('Protocol error: invalid bulk length');
      total += len.value;
      if (total > this.maxRequestBytes) return this.fatal(`Protocol error: request too large (limit ${this.maxRequestBytes} bytes, [network] max_line_bytes)`);
      const dataEnd = len.next + len.value;
      if (dataEnd + 2 > buf.length) return { need: dataEnd + 2 - start };
      if (buf[dataEnd] !== CR || buf[dataEnd + 1] !== LF) return this.fatal('Protocol error: bulk string not followed by CRLF');
      args[i] = ascii ? latin1Slice(buf, len.next, dataEnd) : bytesToString(buf, len.next, dataEnd);
      at = dataEnd + 2;
    }
    return { args, next: at };
  }

  /**
   * Reads a `*n\r\n` or `$n\r\n` line at `at`: its number and where the next
   * part starts, undefined when the line is not complete yet, or an error.
   */
  private header(buf: Buffer, at: number): { value: number; next: number } | RespDecodeError | undefined {
    let value = 0;
    let i = at + 1;
    let negative = false;
    if (buf[i] === 0x2d) {
      negative = true;
      i++;
    }
    const digitsFrom = i;
    for (; i < buf.length; i++) {
      const c = buf[i] as number;
      if (c >= 0x30 && c <= 0x39) {
        value = value * 10 + (c - 0x30);
        if (i - at > MAX_HEADER) break;
        continue;
      }
      if (c === CR) {
        if (i + 1 >= buf.length) return undefined;
        if (buf[i + 1] !== LF || i === digitsFrom) break;
        return { value: negative ? -value : value, next: i + 2 };
      }
      break;
    }
    if (i >= buf.length && i - at <= MAX_HEADER) return undefined;
    const what = buf[at] === STAR ? 'multibulk' : 'bulk';
    return this.fatal(`Protocol error: invalid ${what} length`);
  }
}

function printable(byte: number): string {
  return byte >= 0x21 && byte <= 0x7e ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
}
