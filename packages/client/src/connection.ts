/**
 * One logical connection to a node: it owns the socket, writes request lines
 * as they come (many in flight, no waiting), and hands each reply line to the
 * oldest request still waiting — the protocol answers in order, one reply per
 * request, so a FIFO is the whole matching algorithm. A multi-line reply runs
 * until its `END` line.
 *
 * Life cycle: connect lazily on the first request; when the socket drops, the
 * requests in flight fail with `ConnectionClosedError` (they may have been
 * applied, so they are never resent) and the next request reconnects, asking
 * the retry policy how long to wait after each failed attempt. A reply that
 * takes longer than `timeoutMs` fails every request in flight with
 * `TimeoutError` and drops the socket, since later replies can no longer be
 * matched.
 */
import net from 'node:net';
import tls from 'node:tls';
import { LineReader, holdsEscapedBytes, isErrorLine, parseEndLine, stringToBytes } from '@merklekv/protocol';
import type { RetryStrategy } from './backoff.js';
import { ConnectionClosedError, ConnectionError, ServerError, TimeoutError } from './errors.js';
import { Queue } from './queue.js';

/** A reply: one line, or every line of a multi-line reply including its `END` line. */
export type RawReply = string | string[];

/** Options of {@link Connection}. */
export interface ConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: tls.ConnectionOptions | undefined;
  /** Milliseconds to wait for a reply (and for one connect attempt); 0 = forever. */
  readonly timeoutMs: number;
  readonly retry: RetryStrategy;
  /** Longest reply line accepted. */
  readonly maxLineBytes?: number;
  /**
   * Runs on every new socket before any queued request is sent (AUTH, say):
   * `call` sends one line and resolves with its one-line reply. A rejection
   * fails the queued requests with its error and drops the socket.
   */
  readonly handshake?: Handshake | undefined;
}

/** Exchanges lines on a fresh socket before it is used; see {@link ConnectionOptions.handshake}. */
export type Handshake = (call: (line: string) => Promise<string>) => Promise<void>;

interface Request {
  readonly line: string;
  readonly multiLine: boolean;
  readonly resolve: (reply: RawReply) => void;
  readonly reject: (error: Error) => void;
  lines: string[] | undefined;
  deadline: number;
}

type State = 'idle' | 'connecting' | 'open';

const ERROR_PREFIX = 'ERROR: ';

/** The error a reply line stands for, if it is an `ERROR: ` line. */
function errorOf(line: string): ServerError | undefined {
  return isErrorLine(line) ? new ServerError(line.slice(ERROR_PREFIX.length)) : undefined;
}

/** A pipelining, reconnecting connection; see the file comment. */
export class Connection {
  /** Reply bytes received over every socket this connection used. */
  bytesRead = 0;
  /** Request bytes written over every socket this connection used. */
  bytesWritten = 0;

  readonly address: string;
  private readonly opts: ConnectionOptions;
  private state: State = 'idle';
  private socket: net.Socket | undefined;
  private reader: LineReader;
  private readonly inflight = new Queue<Request>();
  private readonly waiting = new Queue<Request>();
  private timer: NodeJS.Timeout | undefined;
  /** The wait before the next connect attempt (backoff), if one is scheduled. */
  private retryTimer: NodeJS.Timeout | undefined;
  private corked = false;
  private closing = false;
  private drainWaiters: (() => void)[] = [];

  constructor(opts: ConnectionOptions) {
    this.opts = opts;
    this.address = `${opts.host}:${opts.port}`;
    this.reader = this.newReader();
  }

  /** Requests sent and not yet answered (or not yet sent, while connecting). */
  get pending(): number {
    return this.inflight.length + this.waiting.length;
  }

  /** True while a socket is open. */
  get connected(): boolean {
    return this.state === 'open';
  }

  /**
   * Sends one request line (ending in `\r\n`) and resolves with its reply.
   * @throws ServerError, ConnectionError, TimeoutError, ConnectionClosedError (as rejections)
   */
  send(line: string, multiLine: boolean): Promise<RawReply> {
    return new Promise<RawReply>((resolve, reject) => {
      if (this.closing) {
        reject(new ConnectionClosedError(this.address, { clientClosed: true }));
        return;
      }
      const req: Request = { line, multiLine, resolve, reject, lines: undefined, deadline: 0 };
      if (this.state === 'open') {
        this.write(req);
      } else {
        this.waiting.push(req);
        if (this.state === 'idle') this.connect(1);
      }
    });
  }

  /**
   * Waits for every request to be answered, then closes the socket. New requests are refused.
   * During a reconnect backoff nothing more is tried: the waiting requests fail with
   * `ConnectionClosedError` (`CLIENT_CLOSED`) and no socket is opened later.
   */
  async close(): Promise<void> {
    this.closing = true;
    this.cancelRetry();
    if (this.pending > 0) await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    const socket = this.socket;
    if (socket === undefined || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
    });
  }

  /** Drops the socket now; requests in flight fail with `ConnectionClosedError`. */
  destroy(): void {
    this.closing = true;
    this.cancelRetry();
    this.socket?.destroy();
    for (const req of this.waiting.drain()) req.reject(new ConnectionClosedError(this.address, { clientClosed: true }));
    this.checkDrained();
  }

  private newReader(): LineReader {
    return this.opts.maxLineBytes === undefined ? new LineReader() : new LineReader({ maxLineBytes: this.opts.maxLineBytes });
  }

  /** Stops a scheduled reconnect; the requests waiting for it fail (the connection is closing). */
  private cancelRetry(): void {
    if (this.retryTimer === undefined) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.state = 'idle';
    for (const req of this.waiting.drain()) req.reject(new ConnectionClosedError(this.address, { clientClosed: true }));
    this.checkDrained();
  }

  private connect(attempt: number): void {
    if (this.closing) {
      // Closed meanwhile: never open a socket again.
      this.state = 'idle';
      for (const req of this.waiting.drain()) req.reject(new ConnectionClosedError(this.address, { clientClosed: true }));
      this.checkDrained();
      return;
    }
    this.state = 'connecting';
    let lastError: Error | undefined;
    const { host, port } = this.opts;
    const socket =
      this.opts.tls !== undefined
        ? tls.connect({ ...this.opts.tls, host, port })
        : net.connect({ host, port });
    this.socket = socket;
    socket.setNoDelay(true);
    const connectTimer =
      this.opts.timeoutMs > 0
        ? setTimeout(() => socket.destroy(new TimeoutError(this.address, this.opts.timeoutMs)), this.opts.timeoutMs)
        : undefined;
    socket.once(this.opts.tls !== undefined ? 'secureConnect' : 'connect', () => {
      clearTimeout(connectTimer);
      this.reader = this.newReader();
      const open = (): void => {
        this.state = 'open';
        for (const req of this.waiting.drain()) this.write(req);
      };
      const handshake = this.opts.handshake;
      if (handshake === undefined) {
        open();
        return;
      }
      // Requests stay queued (state 'connecting') until the handshake is done.
      handshake((line) => this.handshakeCall(line)).then(
        () => {
          if (this.socket === socket && !socket.destroyed) open();
        },
        (error: unknown) => {
          if (this.socket !== socket || socket.destroyed) return; // lost: the close handler retries or fails
          const failure = error instanceof Error ? error : new Error(String(error));
          for (const req of this.waiting.drain()) req.reject(failure);
          socket.destroy();
        },
      );
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => {
      lastError = err;
    });
    socket.once('close', () => {
      clearTimeout(connectTimer);
      if (this.socket === socket) this.socket = undefined;
      if (this.state === 'open') {
        this.onLost(lastError);
        return;
      }
      this.clearTimer();
      // Handshake lines in flight.
      for (const req of this.inflight.drain()) req.reject(new ConnectionClosedError(this.address, { cause: lastError }));
      this.onConnectFailed(attempt, lastError);
    });
  }

  /** Sends one handshake line on the connecting socket; resolves with its one-line reply. */
  private handshakeCall(line: string): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const req: Request = { line, multiLine: false, resolve: (reply) => resolve(String(reply)), reject, lines: undefined, deadline: 0 };
      this.write(req);
    });
  }

  private onConnectFailed(attempt: number, cause: Error | undefined): void {
    const delay = this.closing ? null : this.opts.retry(attempt);
    if (delay === null || this.waiting.length === 0) {
      this.state = 'idle';
      const error = new ConnectionError(this.address, { cause, attempts: attempt });
      for (const req of this.waiting.drain()) req.reject(error);
      this.checkDrained();
      return;
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect(attempt + 1);
    }, Math.max(0, delay));
  }

  private onLost(cause: Error | undefined): void {
    this.state = 'idle';
    this.clearTimer();
    const error =
      cause instanceof TimeoutError ? cause : new ConnectionClosedError(this.address, { cause });
    for (const req of this.inflight.drain()) req.reject(error);
    if (this.waiting.length > 0 && !this.closing) this.connect(1);
    this.checkDrained();
  }

  private write(req: Request): void {
    const socket = this.socket;
    if (socket === undefined) return;
    req.deadline = this.opts.timeoutMs > 0 ? performance.now() + this.opts.timeoutMs : Infinity;
    this.inflight.push(req);
    // Requests issued in the same tick leave in one TCP segment.
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      process.nextTick(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    // A value holding bytes that are not UTF-8 (escaped, e.g. a binary value in PUTV) goes as those bytes.
    const bytes = holdsEscapedBytes(req.line) ? stringToBytes(req.line) : undefined;
    socket.write(bytes ?? req.line);
    this.bytesWritten += bytes === undefined ? Buffer.byteLength(req.line) : bytes.length;
    if (this.timer === undefined) this.armTimer();
  }

  private onData(chunk: Buffer): void {
    this.bytesRead += chunk.length;
    let lines: string[];
    try {
      lines = this.reader.write(chunk);
    } catch (error) {
      // A reply line past the limit is lost: later replies can no longer be matched.
      this.socket?.destroy(error as Error);
      return;
    }
    for (const line of lines) this.onLine(line);
  }

  private onLine(line: string): void {
    const req = this.inflight.peek();
    if (req === undefined) return; // e.g. a farewell `ERROR: Too many connections` with nothing asked
    if (req.lines === undefined) {
      const error = errorOf(line);
      if (error !== undefined) {
        this.finish();
        req.reject(error);
        return;
      }
      if (!req.multiLine) {
        this.finish();
        req.resolve(line);
        return;
      }
      req.lines = [];
    }
    req.lines.push(line);
    if (parseEndLine(line) !== undefined) {
      this.finish();
      req.resolve(req.lines);
    }
  }

  private finish(): void {
    this.inflight.shift();
    this.clearTimer();
    if (this.inflight.length > 0) this.armTimer();
    else this.checkDrained();
  }

  private armTimer(): void {
    const head = this.inflight.peek();
    if (head === undefined || head.deadline === Infinity) return;
    const delay = Math.max(0, head.deadline - performance.now());
    this.timer = setTimeout(() => this.onTimer(head), Math.ceil(delay));
  }

  private onTimer(head: Request): void {
    this.timer = undefined;
    if (this.inflight.peek() !== head) return;
    if (performance.now() < head.deadline) {
      this.armTimer();
      return;
    }
    this.socket?.destroy(new TimeoutError(this.address, this.opts.timeoutMs));
  }

  private clearTimer(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private checkDrained(): void {
    if (this.pending > 0 || this.drainWaiters.length === 0) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
