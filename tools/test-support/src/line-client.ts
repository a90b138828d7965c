/** A raw protocol connection reading reply lines, like `nc`. */
import { connect, type Socket } from 'node:net';
import { withTimeout } from './wait.js';

export class LineClient {
  private buffer = '';
  private readonly lines: string[] = [];
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(
    readonly socket: Socket,
    private readonly defaultTimeoutMs: number,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.buffer += text;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        this.lines.push(this.buffer.slice(0, nl).replace(/\r$/, ''));
        this.buffer = this.buffer.slice(nl + 1);
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  /** Connects; `timeoutMs` is the default wait for a reply line. */
  static open(port: number, host = '127.0.0.1', timeoutMs = 5000): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host }, () => resolve(new LineClient(socket, timeoutMs)));
      socket.once('error', reject);
    });
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** The next reply line; rejects after `timeoutMs` or when the connection closes first. */
  async line(timeoutMs = this.defaultTimeoutMs): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length === 0) {
      if (this.closed) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a reply line');
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.lines.shift() as string;
  }

  /** Sends one command and reads one reply line. */
  async call(command: string): Promise<string> {
    this.send(`${command}\r\n`);
    return this.line();
  }

  /** Reads lines up to and including one starting with END. */
  async untilEnd(): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const l = await this.line();
      out.push(l);
      if (l.startsWith('END')) return out;
    }
  }

  /** Sends a multi-line command and returns the lines before `END`. */
  async multi(command: string): Promise<string[]> {
    this.send(`${command}\r\n`);
    const out: string[] = [];
    for (let l = await this.line(); l !== 'END'; l = await this.line()) out.push(l);
    return out;
  }

  /** Resolves when the server closes the connection (an event, not a poll). */
  async closedByServer(timeoutMs = 5000): Promise<void> {
    if (this.closed) return;
    await withTimeout('the server to close the connection', new Promise<void>((r) => this.socket.once('close', () => r())), timeoutMs).catch(() => {
      throw new Error('connection still open');
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/**
 * `echo "LINE" | nc 127.0.0.1 PORT`, as SPEC.md's walkthrough does it: one
 * request line ending in a bare `\n`, the first reply line back.
 */
export async function nc(port: number, line: string, timeoutMs = 5000): Promise<string> {
  const client = await LineClient.open(port, '127.0.0.1', timeoutMs);
  try {
    client.send(`${line}\n`);
    return await client.line().catch((err: unknown) => {
      throw new Error(`no reply to '${line}' on port ${port}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    });
  } finally {
    client.close();
  }
}
