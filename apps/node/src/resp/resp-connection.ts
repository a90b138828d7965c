import type { Socket } from 'node:net';
import { respError, RespRequestDecoder, type RespBytes, type RespRequest, type RespVersion } from '@merklekv/protocol';
import type { ClientSession } from '../commands/access.js';
import type { ReplyBytes } from '../server/reply-bytes.js';
import { ReplyPipeline, type PipelineReply } from '../server/reply-pipeline.js';

/** A RESP reply: encoded bytes now, or later (SYNC, a failed AUTH's delay, a durable write). */
export type RespReply = RespBytes | Promise<RespBytes>;

/** Runs one request's arguments on a connection (with `out`, a handler may append its reply's bytes there and return ''). */
export type RespExecute = (args: string[], connection: RespConnection, out?: ReplyBytes) => RespReply;

let nextId = 0;

/**
 * One RESP client connection: decodes pipelined requests and hands them to the
 * same ReplyPipeline as the text port's Connection (server/reply-pipeline.ts),
 * which runs them and writes the replies in request order with bounded memory.
 *
 * Framing errors and limits (decoder) are answered with one error and the
 * connection is closed, as Redis does: after them the byte stream cannot be
 * trusted.
 */
export class RespConnection implements ClientSession {
  /** CLIENT ID. */
  readonly id = ++nextId;
  /** RESP2 until `HELLO 3`. */
  version: RespVersion = 2;
  /** CLIENT SETNAME / HELLO SETNAME. */
  name: string | undefined;
  /** CLIENT SETINFO LIB-NAME / LIB-VER. */
  readonly lib = { name: '', version: '' };
  /** A refused MULTI is open: commands are refused until EXEC or DISCARD. */
  refusedMulti = false;
  /** Per-connection state of the access gate (authentication). */
  readonly state = new Map<string, unknown>();
  private readonly replies: ReplyPipeline<RespRequest>;

  constructor(
    readonly socket: Socket,
    private readonly execute: RespExecute,
    maxRequestBytes: number,
    onIdle: (connection: RespConnection) => void,
  ) {
    const decoder = new RespRequestDecoder({ maxRequestBytes });
    this.replies = new ReplyPipeline<RespRequest>(socket, {
      decode: (chunk) => decoder.write(chunk),
      onIdle: () => onIdle(this),
      run: (item, out) => this.run(item, out),
      failed: (err) => respError(`ERR ${err.message}`),
    });
  }

  get busy(): boolean {
    return this.replies.busy;
  }

  closeWhenIdle(): void {
    this.replies.closeWhenIdle();
  }

  /** QUIT: closes after the replies owed so far; later requests are not run. */
  quit(): void {
    this.replies.stop();
    this.socket.pause();
  }

  closeIdle(message: string): void {
    this.replies.closeIdle(message);
  }

  /** One decoded request, or the decoder's error (a fatal one closes the connection after its reply). */
  private run(item: RespRequest, out: ReplyBytes): PipelineReply {
    if (Array.isArray(item)) return this.execute(item, this, out);
    if (item.fatal) this.replies.stop();
    return respError(`ERR ${item.message}`);
  }
}
