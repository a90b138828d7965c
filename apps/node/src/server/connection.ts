import type { Socket } from 'node:net';
import { CommandDecoder, holdsEscapedBytes, stringToBytes, type DecodedItem } from '@merklekv/protocol';
import type { ReplyBytes } from './reply-bytes.js';
import { ReplyPipeline } from './reply-pipeline.js';

/** A reply as a handler produces it: the full text with its line endings, now or later. */
export type Reply = string | Promise<string>;

/**
 * Runs one decoded request; most replies are synchronous strings. With `out`, a handler may append
 * its reply's bytes there instead and return '' (reply-bytes.ts).
 */
export type Execute = (item: DecodedItem, connection: Connection, out?: ReplyBytes) => Reply;

/** The bytes a text-protocol reply goes out as: a binary value's bytes that are not UTF-8 (escaped in the string) as those raw bytes. */
export const encodeTextReply = (text: string): string | Buffer => (holdsEscapedBytes(text) ? stringToBytes(text) : text);

/**
 * One client connection of the text protocol: decodes pipelined requests and
 * hands them to a ReplyPipeline (reply-pipeline.ts), which runs them and writes
 * the replies in request order with bounded memory (back-pressure).
 */
export class Connection {
  private readonly replies: ReplyPipeline<DecodedItem>;
  /** Set by AUTH-like commands or anything per-connection. */
  readonly state = new Map<string, unknown>();

  constructor(
    readonly socket: Socket,
    execute: Execute,
    maxLineBytes: number,
    onIdle: (connection: Connection) => void,
  ) {
    const decoder = new CommandDecoder({ maxLineBytes });
    this.replies = new ReplyPipeline<DecodedItem>(socket, {
      decode: (chunk) => decoder.write(chunk),
      onIdle: () => onIdle(this),
      run: (item, out) => execute(item, this, out),
      failed: (err) => `ERROR: ${err.message}\r\n`,
      encode: encodeTextReply,
    });
  }

  /** True while replies are still owed to the client. */
  get busy(): boolean {
    return this.replies.busy;
  }

  /** Stops reading; closes once every owed reply is written. */
  closeWhenIdle(): void {
    this.replies.closeWhenIdle();
  }

  /**
   * Closes an idle connection with a last line. A client that has not read
   * what it was sent would never receive it, so it is cut at once instead of
   * holding its slot and its unsent replies.
   */
  closeIdle(message: string): void {
    this.replies.closeIdle(message);
  }
}
