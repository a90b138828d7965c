import type { Socket } from 'node:net';
import { sharedReplyBytes, type ReplyBytes } from './reply-bytes.js';

/** A reply as a handler produces it: text (with its line endings) or bytes, now or later. */
export type PipelineReply = string | Buffer | Promise<string | Buffer>;

/** Past this many bytes of unsent replies, stop running requests and reading the client until it catches up. */
const WRITE_HIGH_WATER = 8 * 1024 * 1024;
/** Replies are gathered into one write up to this size. */
const WRITE_BATCH = 1024 * 1024;
/** Past this many replies waiting behind an asynchronous one, stop reading the client. */
const MAX_PENDING = 10_000;
/** A reply longer than this is written as it is rather than copied into the gathered bytes. */
const LARGE_REPLY = 16 * 1024;

/** What a wire format gives the pipeline. */
export interface ReplyPipelineOptions<Item> {
  /** Decodes a chunk the client sent into requests. */
  readonly decode: (chunk: Buffer) => Item[];
  /** Called when the socket's idle timeout fires. */
  readonly onIdle: () => void;
  /**
   * Runs one decoded request. A handler may instead append its reply's bytes to `out` (only
   * there, and only synchronously) and return ''.
   */
  readonly run: (item: Item, out: ReplyBytes) => PipelineReply;
  /** The reply written in place of an asynchronous reply that failed. */
  readonly failed: (err: Error) => string;
  /** The bytes a text reply goes out as. @default the text itself */
  readonly encode?: (text: string) => string | Buffer;
  /** Where the replies of one read are gathered. @default sharedReplyBytes */
  readonly out?: ReplyBytes;
}

/**
 * The reply side of one client connection, shared by every wire format: runs
 * decoded requests and writes their replies in request order.
 *
 * Replies produced synchronously from one chunk are gathered as bytes into one
 * `write` (up to WRITE_BATCH bytes; reply-bytes.ts). An asynchronous reply (SYNC, say) holds back
 * everything after it until it settles, so order is kept. Memory stays
 * bounded whatever the client does: once WRITE_HIGH_WATER bytes of replies are
 * unsent (or MAX_PENDING replies, or as many bytes, wait behind an asynchronous one), the
 * requests not yet run are kept as decoded and the socket is paused; both
 * resume when the client has read enough. Once closing, no later request
 * runs and the socket ends after the last owed reply.
 */
export class ReplyPipeline<Item> {
  private readonly pending: PipelineReply[] = [];
  /** Bytes of the string and Buffer replies in `pending`. */
  private pendingBytes = 0;
  private draining = false;
  private closingNow = false;
  /** Requests decoded but not yet run, while paused for back-pressure. */
  private backlog: Item[] | undefined;
  private backlogAt = 0;
  private readonly out: ReplyBytes;

  constructor(
    private readonly socket: Socket,
    private readonly opts: ReplyPipelineOptions<Item>,
  ) {
    this.out = opts.out ?? sharedReplyBytes;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.push(opts.decode(chunk)));
    socket.on('drain', () => this.resumeIfRelieved());
    socket.on('timeout', () => opts.onIdle());
    socket.on('error', () => socket.destroy());
  }

  /** True while replies are still owed to the client. */
  get busy(): boolean {
    return this.pending.length > 0 || this.backlog !== undefined;
  }

  get closing(): boolean {
    return this.closingNow;
  }

  /** No request after the current one runs; the socket ends once the owed replies are written. */
  stop(): void {
    this.closingNow = true;
  }

  /** Stops reading; closes once every owed reply is written. */
  closeWhenIdle(): void {
    this.closingNow = true;
    this.socket.pause();
    if (!this.busy) this.socket.end();
  }

  /**
   * Closes an idle connection with a last message. A client that has not read
   * what it was sent would never receive it, so it is cut at once instead of
   * holding its slot and its unsent replies.
   */
  closeIdle(message: string): void {
    if (this.socket.writableLength > 0) this.socket.destroy();
    else this.socket.end(message);
  }

  /** Runs freshly decoded requests (queued behind held-back ones, if any). */
  private push(items: Item[]): void {
    if (this.closingNow) return;
    if (this.backlog !== undefined) {
      // Data already in flight when the socket was paused: queue it behind the backlog.
      for (const item of items) this.backlog.push(item);
      return;
    }
    this.runFrom(items, 0);
  }

  /** Runs `items` from `start`; stops and keeps the rest when the client falls behind. */
  private runFrom(items: Item[], start: number): void {
    const out = this.out;
    for (let i = start; i < items.length; i++) {
      const reply = this.opts.run(items[i] as Item, out);
      if (this.pending.length > 0 || !(typeof reply === 'string' || Buffer.isBuffer(reply))) {
        // Behind an asynchronous reply (or one itself): queued in order. The replies gathered before
        // it go now; bytes a handler wrote go into the queue as they are.
        if (this.pending.length === 0) this.flush();
        else this.queue(out.take());
        if (reply !== '') this.queue(reply);
        if (this.closingNow) break;
        if (this.pendingFull()) return this.hold(items, i + 1);
      } else {
        this.append(reply);
        if (this.closingNow) break;
        if (out.length >= WRITE_BATCH) {
          this.flush();
          if (this.socket.writableLength > WRITE_HIGH_WATER) return this.hold(items, i + 1);
        }
      }
    }
    this.flush();
    if (this.pending.length > 0 && !this.draining) void this.drain();
    else if (this.closingNow && !this.busy) this.socket.end();
  }

  /** Gathers a settled reply into `out` (a large one is written on its own, after what was gathered). */
  private append(reply: string | Buffer): void {
    if (reply.length > LARGE_REPLY) {
      this.flush();
      this.write(reply);
    } else if (typeof reply === 'string') this.out.appendText(reply, this.opts.encode);
    else this.out.appendBytes(reply);
  }

  /** Writes the bytes gathered in `out`, if any. */
  private flush(): void {
    const bytes = this.out.take();
    if (bytes === undefined) return;
    this.write(bytes);
    // Nothing left buffered: the socket is done with the bytes (written, or the socket is gone).
    if (this.socket.writableLength === 0) this.out.release();
  }

  private queue(reply: PipelineReply | undefined): void {
    if (reply === undefined) return;
    this.pending.push(reply);
    if (typeof reply === 'string' || Buffer.isBuffer(reply)) this.pendingBytes += reply.length;
  }

  /** Pauses the client, keeping the requests not yet run. */
  private hold(items: Item[], next: number): void {
    this.flush();
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
      this.runFrom(items, this.backlogAt);
      if (this.backlog !== undefined) return;
    }
    if (!this.closingNow) this.socket.resume();
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

  private write(reply: string | Buffer): void {
    if (this.socket.destroyed) return;
    const out = typeof reply === 'string' && this.opts.encode !== undefined ? this.opts.encode(reply) : reply;
    if (!this.socket.write(out) && this.socket.writableLength > WRITE_HIGH_WATER) this.socket.pause();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    while (this.pending.length > 0) {
      const head = this.pending[0] as PipelineReply;
      const settled = typeof head === 'string' || Buffer.isBuffer(head);
      const reply = settled ? head : await head.catch((err: unknown) => this.opts.failed(err as Error));
      this.pending.shift();
      if (settled) this.pendingBytes -= head.length;
      // The settled replies behind it are gathered into one write.
      this.append(reply);
      for (let next = this.pending[0]; next !== undefined && (typeof next === 'string' || Buffer.isBuffer(next)) && this.out.length < WRITE_BATCH; next = this.pending[0]) {
        this.pending.shift();
        this.pendingBytes -= next.length;
        this.append(next);
      }
      this.flush();
      await this.writable();
    }
    this.draining = false;
    if (this.backlog !== undefined) this.resumeIfRelieved();
    if (this.closingNow && !this.busy) this.socket.end();
  }
}
