import type { Socket } from 'node:net';
import { respError, RespRequestDecoder, type RespBytes, type RespRequest, type RespVersion } from '@merklekv/protocol';
import type { ClientSession } from '../commands/access.js';

/** A RESP reply: encoded bytes now, or later (SYNC, a failed AUTH's delay, a durable write). */
export type RespReply = RespBytes | Promise<RespBytes>;

/** Runs one request's arguments on a connection. */
export type RespExecute = (args: string[], connection: RespConnection) => RespReply;

/** Past this many bytes of unsent replies, stop running requests and reading the client until it catches up. */
const WRITE_HIGH_WATER = 8 * 1024 * 1024;
/** Replies are gathered into one write up to this size. */
const WRITE_BATCH = 1024 * 1024;
/** Past this many replies waiting behind an asynchronous one, stop reading the client. */
const MAX_PENDING = 10_000;

let nextId = 0;

/**
 * One RESP client connection: decodes pipelined requests, runs them, and
 * writes the replies in request order; the same back-pressure as the text
 * port's Connection (server/connection.ts): past WRITE_HIGH_WATER unsent
 * bytes, or MAX_PENDING replies behind an asynchronous one, the requests not
 * yet run are kept and the socket is paused until the client reads.
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
  private readonly decoder: RespRequestDecoder;
  private readonly pending: RespReply[] = [];
  private pendingBytes = 0;
  private draining = false;
  private closing = false;
  private backlog: RespRequest[] | undefined;
  private backlogAt = 0;

  constructor(
    readonly socket: Socket,
    private readonly execute: RespExecute,
    maxRequestBytes: number,
    private readonly onIdle: (connection: RespConnection) => void,
  ) {
    this.decoder = new RespRequestDecoder({ maxRequestBytes });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.resumeIfRelieved());
    socket.on('timeout', () => this.onIdle(this));
    socket.on('error', () => socket.destroy());
  }

  get busy(): boolean {
    return this.pending.length > 0 || this.backlog !== undefined;
  }

  closeWhenIdle(): void {
    this.closing = true;
    this.socket.pause();
    if (!this.busy) this.socket.end();
  }

  /** QUIT: closes after the replies owed so far; later requests are not run. */
  quit(): void {
    this.closing = true;
    this.socket.pause();
  }

  closeIdle(message: string): void {
    if (this.socket.writableLength > 0) this.socket.destroy();
    else this.socket.end(message);
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    const items = this.decoder.write(chunk);
    if (this.backlog !== undefined) {
      for (const item of items) this.backlog.push(item);
      return;
    }
    this.run(items, 0);
  }

  private run(items: RespRequest[], start: number): void {
    let out = '';
    for (let i = start; i < items.length; i++) {
      const item = items[i] as RespRequest;
      let reply: RespReply;
      if (Array.isArray(item)) reply = this.execute(item, this);
      else {
        reply = respError(`ERR ${item.message}`);
        if (item.fatal) this.closing = true;
      }
      if (this.pending.length > 0 || typeof reply !== 'string') {
        this.pending.push(reply);
        if (typeof reply === 'string') this.pendingBytes += reply.length;
        else if (Buffer.isBuffer(reply)) this.pendingBytes += reply.length;
        if (this.closing) break;
        if (this.pendingFull()) return this.hold(out, items, i + 1);
      } else {
        out += reply;
        if (this.closing) break;
        if (out.length >= WRITE_BATCH) {
          this.write(out);
          out = '';
          if (this.socket.writableLength > WRITE_HIGH_WATER) return this.hold('', items, i + 1);
        }
      }
    }
    if (out.length > 0) this.write(out);
    if (this.pending.length > 0 && !this.draining) void this.drain();
    else if (this.closing && !this.busy) this.socket.end();
  }

  private hold(out: string, items: RespRequest[], next: number): void {
    if (out.length > 0) this.write(out);
    this.backlog = items;
    this.backlogAt = next;
    this.socket.pause();
    if (this.pending.length > 0 && !this.draining) void this.drain();
  }

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

  private write(bytes: RespBytes): void {
    if (this.socket.destroyed) return;
    if (!this.socket.write(bytes) && this.socket.writableLength > WRITE_HIGH_WATER) this.socket.pause();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    while (this.pending.length > 0) {
      const head = this.pending[0] as RespReply;
      const out =
        typeof head === 'string' || Buffer.isBuffer(head)
          ? head
          : await head.catch((err: unknown) => respError(`ERR ${(err as Error).message}`));
      this.pending.shift();
      if (typeof head === 'string' || Buffer.isBuffer(head)) this.pendingBytes -= head.length;
      let text = typeof out === 'string' ? out : '';
      if (typeof out !== 'string') this.write(out);
      while (this.pending.length > 0 && typeof this.pending[0] === 'string' && text.length < WRITE_BATCH) {
        const next = this.pending.shift() as string;
        this.pendingBytes -= next.length;
        text += next;
      }
      if (text.length > 0) this.write(text);
      await this.writable();
    }
    this.draining = false;
    if (this.backlog !== undefined) this.resumeIfRelieved();
    if (this.closing && !this.busy) this.socket.end();
  }
}
