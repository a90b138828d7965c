/**
 * A client-side model of the protocol's framing (docs/PROTOCOL.md "Framing"):
 * which request lines a byte stream holds, how many replies they earn and of
 * what shape, and a reader that checks a connection's replies against it.
 */
import { isErrorLine, isMultiLineReply, parseCommandLine, parseEndLine, ProtocolError, type Command } from '@merklekv/protocol';
import type { LineClient } from './harness.js';

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;

/** The reply one request line earns. */
export type ExpectedReply =
  /** A line past the limit: exactly `ERROR: Line too long (limit N bytes)`. */
  | { readonly kind: 'too-long' }
  /** A line that does not decode: one `ERROR: ` line. */
  | { readonly kind: 'error'; readonly request: string }
  /** A one-line reply (which may be an error). */
  | { readonly kind: 'single'; readonly request: string }
  /** INFO, STATS, MGET, SCAN, LEAF, GETV: lines ending with `END`/`END cursor`, or one `ERROR: ` line. */
  | { readonly kind: 'multi'; readonly request: string };

/** One request line of a stream: its bytes without the line ending, and what it decodes to. */
interface RequestLine {
  /** The bytes between line starts, the `\n` excluded. */
  readonly raw: Buffer;
  readonly reply: ExpectedReply | undefined;
  readonly command: Command | undefined;
}

function classify(raw: Buffer, maxLineBytes: number): RequestLine {
  const length = raw.length > 0 && raw[raw.length - 1] === CR ? raw.length - 1 : raw.length;
  if (length > maxLineBytes) return { raw, reply: { kind: 'too-long' }, command: undefined };
  let blank = true;
  for (let i = 0; i < length && blank; i++) blank = raw[i] === SPACE;
  if (blank) return { raw, reply: undefined, command: undefined };
  const request = raw.toString('utf8', 0, length);
  try {
    const command = parseCommandLine(request);
    return { raw, reply: { kind: isMultiLineReply(command.type) ? 'multi' : 'single', request }, command };
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    return { raw, reply: { kind: 'error', request }, command: undefined };
  }
}

/** Splits a stream into its complete lines (the bytes after the last `\n` are not a request yet). */
function completeLines(stream: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let lf = stream.indexOf(LF); lf >= 0; lf = stream.indexOf(LF, start)) {
    lines.push(stream.subarray(start, lf));
    start = lf + 1;
  }
  return lines;
}

/**
 * The replies a server owes for the complete lines of `stream`, in order:
 * blank lines earn none, every other line exactly one.
 */
export function expectedReplies(stream: Buffer, maxLineBytes: number): ExpectedReply[] {
  const out: ExpectedReply[] = [];
  for (const line of completeLines(stream)) {
    const { reply } = classify(line, maxLineBytes);
    if (reply) out.push(reply);
  }
  return out;
}

/**
 * Replaces every line that decodes to one of `banned` (SHUTDOWN, say) with a
 * bare `PING`, keeping the rest of the stream byte for byte.
 */
export function withoutCommands(stream: Buffer, maxLineBytes: number, banned: ReadonlySet<string>): Buffer {
  const lines = completeLines(stream);
  let consumed = 0;
  const parts: Buffer[] = [];
  for (const line of lines) {
    const { command } = classify(line, maxLineBytes);
    parts.push(command !== undefined && banned.has(command.type) ? Buffer.from('PING') : line, Buffer.from('\n'));
    consumed += line.length + 1;
  }
  parts.push(stream.subarray(consumed));
  return Buffer.concat(parts);
}

/** Thrown when a connection's replies do not match the requests sent. */
export class FramingError extends Error {
  readonly code = 'REPLY_OUT_OF_SYNC';
}

/** Reads one reply of the expected shape; `marker` is a reply that must not show up yet. */
async function readReply(client: LineClient, expected: ExpectedReply, index: number, total: number, marker: string, maxLineBytes: number): Promise<string[]> {
  const next = async (): Promise<string> => {
    const line = await client.line();
    if (line === marker) throw new FramingError(`marker reply arrived after ${index} of ${total} replies (too few replies)`);
    return line;
  };
  const first = await next();
  switch (expected.kind) {
    case 'too-long':
      if (first !== `ERROR: Line too long (limit ${maxLineBytes} bytes)`) throw new FramingError(`reply ${index}: expected Line too long, got ${JSON.stringify(first)}`);
      return [first];
    case 'error':
      if (!isErrorLine(first)) throw new FramingError(`reply ${index} to ${JSON.stringify(expected.request)}: expected an ERROR line, got ${JSON.stringify(first)}`);
      return [first];
    case 'single':
      return [first];
    case 'multi': {
      const lines = [first];
      if (isErrorLine(first)) return lines;
      let last = first;
      while (parseEndLine(last) === undefined) {
        last = await next();
        lines.push(last);
      }
      return lines;
    }
  }
}

/**
 * Reads the replies to `expected` and then the reply to the marker request
 * `PING <marker>`, which must come next: every request got exactly one reply,
 * in order. @throws FramingError naming the first mismatch.
 * @returns the replies, one array of lines per request.
 */
export async function readInSync(client: LineClient, expected: readonly ExpectedReply[], marker: string, maxLineBytes: number): Promise<string[][]> {
  const replies: string[][] = [];
  for (let i = 0; i < expected.length; i++) replies.push(await readReply(client, expected[i] as ExpectedReply, i, expected.length, marker, maxLineBytes));
  const after = await client.line();
  if (after !== marker) throw new FramingError(`after ${expected.length} replies expected the marker ${marker}, got ${JSON.stringify(after)} (too many replies)`);
  return replies;
}
