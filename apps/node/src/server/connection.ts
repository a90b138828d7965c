import type { Socket } from 'node:net';
import { CommandDecoder, holdsEscapedBytes, stringToBytes, type DecodedItem } from '@merklekv/protocol';

/** A reply as a handler produces it: the full text with its line endings, now or later. */
export type Reply = string | Promise<string>;

/** Runs one decoded request; most replies are synchronous strings. */
export type Execute = (item: DecodedItem, connection: Connection) => Reply;

/** Past this many bytes of unsent replies, stop running requests and reading the client until it catches up. */
const WRITE_HIGH_WATER = 8 * 1024 * 1024;
/** Replies are gathered into one write up to this size. */
const WRITE_BATCH = 1024 * 1024;
/** Past this many replies waiting behind an asynchronous one, stop reading the client. */
const MAX_PENDING = 10_000;


/**
 * One client connection: decodes pipelined requests, runs them, and writes the
 * replies in request order.
 *
 * Replies produced synchronously from one chunk are gathered into one `write`
 * (up to WRITE_BATCH bytes). An asynchronous reply (SYNC, say) holds back
 * everything after it until it settles, so order is kept. Memory stays
 * bounded whatever the client does: once WRITE_HIGH_WATER bytes of replies are
 * unsent (or MAX_PENDING replies, or as many bytes, wait behind an asynchronous one), the
 * requests not yet run are kept as decoded and the socket is paused; both
 * resume when the client has read enough.
 */
export class Connection {
  private readonly decoder: CommandDecoder;
  private readonly pending: Reply[] = [];
  /** Bytes of the string replies in `pending`. */
  private pendingBytes = 0;
  private draining = false;
  private closing = false;
  /** Requests decoded but not yet run, while paused for back-pressure. */
  private backlog: DecodedItem[] | undefined;
  private backlogAt = 0;
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
    socket.on('drain', () => this.resumeIfRelieved());
    socket.on('timeout', () => this.onIdle(this));
    socket.on('error', () => socket.destroy());
  }

  /** True while replies are still owed to the client. */
  get busy(): boolean {
    return this.pending.length > 0 || this.backlog !== undefined;
  }

  /** Stops reading; closes once every owed reply is written. */
  closeWhenIdle(): void {
    this.closing = true;
    this.socket.pause();
    if (!this.busy) this.socket.end();
  }

  /**
   * Closes an idle connection with a last line. A client that has not read
   * what it was sent would never receive it, so it is cut at once instead of
   * holding its slot and its unsent replies.
   */
  closeIdle(message: string): void {
    if (this.socket.writableLength > 0) this.socket.destroy();
    else this.socket.end(message);
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    const items = this.decoder.write(chunk);
    if (this.backlog !== undefined) {
      // Data already in flight when the socket was paused: queue it behind the backlog.
      for (const item of items) this.backlog.push(item);
      return;
    }
    this.run(items, 0);
  }

  /** Runs `items` from `start`; stops and keeps the rest when the client falls behind. */
  private run(items: DecodedItem[], start: number): void {
    let out = '';
    for (let i = start; i < items.length; i++) {
      const reply = this.execute(items[i] as DecodedItem, this);
      if (this.pending.length > 0 || typeof reply !== 'string') {
        this.pending.push(reply);
        if (typeof reply === 'string') this.pendingBytes += reply.length;
        if (this.pendingFull()) return this.hold(out, items, i + 1);
      } else {
        out += reply;
        if (out.length >= WRITE_BATCH) {
          this.write(out);
          out = '';
          if (this.socket.writableLength > WRITE_HIGH_WATER) return this.hold('', items, i + 1);
        }
      }
    }
    if (out.length > 0) this.write(out);
    if (this.pending.length > 0 && !this.draining) void this.drain();
  }

  /** Pauses the client, keeping the requests not yet run. */
  private hold(out: string, items: DecodedItem[], next: number): void {
    if (out.length > 0) this.write(out);
    this.backlog = items;
    this.backlogAt = next;
    this.socket.pause();
    if (this.pending.length > 0 && !this.draining) void this.drain();
  }

  /** After a 'drain' or an async reply: run what was held back, then read again. */
  private resumeIfRelieved(): void {
    if (this.socket.writableLength > WRITE_HIGH_WATER || this.pendingFull()) return;
    const items = this.backlog;
    if (items !== undefined) {
      this.backlog = undefined;
      this.run(items, this.backlogAt);
      if (this.backlog !== undefined) return;
    }
    if (!this.closing) this.socket.resume();
  }

  private pendingFull(): boolean {
    return this.pending.length >= MAX_PENDING || this.pendingBytes > WRITE_HIGH_WATER;
  }

  /** Resolves once the client has read enough (or the socket is gone). */
  private writable(): Promise<void> {
    if (this.socket.writableLength <= WRITE_HIGH_WATER || this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  private write(text: string): void {
    if (this.socket.destroyed) return;
    // A binary value's bytes that are not UTF-8 (escaped in the string) go out as those raw bytes.
    const out = holdsEscapedBytes(text) ? stringToBytes(text) : text;
    if (!this.socket.write(out) && this.socket.writableLength > WRITE_HIGH_WATER) this.socket.pause();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    while (this.pending.length > 0) {
      const head = this.pending[0] as Reply;
      let out = typeof head === 'string' ? head : await head.catch((err: unknown) => `ERROR: ${(err as Error).message}\r\n`);
      this.pending.shift();
      if (typeof head === 'string') this.pendingBytes -= head.length;
      while (this.pending.length > 0 && typeof this.pending[0] === 'string' && out.length < WRITE_BATCH) {
        const next = this.pending.shift() as string;
        this.pendingBytes -= next.length;
        out += next;
      }
      this.write(out);
      await this.writable();
    }
    this.draining = false;
    if (this.backlog !== undefined) this.resumeIfRelieved();
    if (this.closing && !this.busy) this.socket.end();
  }
}
