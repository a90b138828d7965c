import type { Socket } from 'node:net';
import { CommandDecoder, type DecodedItem } from '@merklekv/protocol';

/** A reply as a handler produces it: the full text with its line endings, now or later. */
export type Reply = string | Promise<string>;

/** Runs one decoded request; most replies are synchronous strings. */
export type Execute = (item: DecodedItem, connection: Connection) => Reply;

/** Past this many bytes of unsent replies, stop reading the client until it catches up. */
const WRITE_HIGH_WATER = 8 * 1024 * 1024;

/**
 * One client connection: decodes pipelined requests, runs them, and writes the
 * replies in request order. Replies produced synchronously within one chunk are
 * written with a single `write`; an asynchronous reply (SYNC, say) holds back
 * everything after it until it settles, so order is kept. A client that does
 * not read its replies is paused, never buffered without bound.
 */
export class Connection {
  private readonly decoder: CommandDecoder;
  private readonly pending: Reply[] = [];
  private draining = false;
  private closing = false;
  /** Set by AUTH-like commands or anything per-connection. */
  readonly state = new Map<string, unknown>();

  constructor(
    readonly socket: Socket,
    private readonly execute: Execute,
    maxLineBytes: number,
    private readonly onIdle: (connection: Connection) => void,
  ) {
    this.decoder = new CommandDecoder({ maxLineBytes });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => socket.resume());
    socket.on('timeout', () => this.onIdle(this));
    socket.on('error', () => socket.destroy());
  }

  /** True while replies are still owed to the client. */
  get busy(): boolean {
    return this.pending.length > 0;
  }

  /** Stops reading; closes once every owed reply is written. */
  closeWhenIdle(): void {
    this.closing = true;
    this.socket.pause();
    if (!this.busy) this.socket.end();
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    const items = this.decoder.write(chunk);
    let out = '';
    for (const item of items) {
      const reply = this.execute(item, this);
      if (this.pending.length > 0 || typeof reply !== 'string') this.pending.push(reply);
      else out += reply;
    }
    if (out.length > 0) this.write(out);
    if (this.pending.length > 0 && !this.draining) void this.drain();
  }

  private write(text: string): void {
    if (this.socket.destroyed) return;
    if (!this.socket.write(text) && this.socket.writableLength > WRITE_HIGH_WATER) this.socket.pause();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    while (this.pending.length > 0) {
      const head = this.pending[0] as Reply;
      let out = typeof head === 'string' ? head : await head.catch((err: unknown) => `ERROR: ${(err as Error).message}\r\n`);
      this.pending.shift();
      while (this.pending.length > 0 && typeof this.pending[0] === 'string') out += this.pending.shift() as string;
      this.write(out);
    }
    this.draining = false;
    if (this.closing) this.socket.end();
  }
}
