/**
 * Real node processes for crash tests and the recovery bench: `node --import tsx main.ts`
 * (one process, so SIGKILL hits the server itself — `npx tsx` would put a launcher process
 * in between that SIGKILL cannot pass through), and a pipelining writer that records which
 * writes were acknowledged and when.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../__tests__/harness.js';

/** A node process. */
export interface NodeProc {
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<number | null>;
  /** SIGKILL by PID: no shutdown code runs. */
  crash(): Promise<void>;
}

/** Writes a TOML config for an lmdb node on `port` with `[storage]` lines. */
export function lmdbConfig(port: number, dataDir: string, storage: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'merklekv-crash-'));
  const file = join(dir, 'node.toml');
  writeFileSync(
    file,
    `node_id = "crash-node"\n[network]\nbind_address = "127.0.0.1"\nbind_port = ${port}\n[resp]\nenabled = false\n[mqtt]\nbroker_address = "none"\n` +
      `[anti_entropy]\nenabled = false\n[storage]\nengine = "lmdb"\ndata_dir = "${dataDir}"\n${storage}\n`,
  );
  return file;
}

/** Starts `node --import tsx apps/node/src/main.ts --config FILE`. */
export function startNodeProcess(configFile: string): NodeProc {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/node/src/main.ts', '--config', configFile], {
    cwd: REPO_ROOT,
    env: { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.base.json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    output: () => out,
    exited,
    crash: async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err; // already gone
        }
      }
      await exited;
    },
  };
}

/** Resolves when the node logged `listening` (bounded). */
export async function untilListening(node: NodeProc, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!node.output().includes('"msg":"listening"')) {
    if (node.child.exitCode !== null) throw new Error(`node exited (${node.child.exitCode}):\n${node.output()}`);
    if (Date.now() > deadline) throw new Error(`node did not listen within ${timeoutMs} ms:\n${node.output()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** One acknowledged write. */
export interface Ack {
  readonly value: string;
  /** performance.now() when the OK arrived. */
  readonly at: number;
}

/**
 * Writes unique keys `w<conn>:<seq>` over `connections` sockets, `window` requests in flight on
 * each, until stopped or the server goes away; records every acknowledged write.
 */
export class Writer {
  readonly acked = new Map<string, Ack>();
  readonly sent = new Map<string, string>();
  /** Replies received, OK or not. */
  answered = 0;
  private readonly sockets: Socket[] = [];
  private running = true;

  private constructor() {}

  static async start(port: number, connections = 4, window = 16): Promise<Writer> {
    const w = new Writer();
    for (let c = 0; c < connections; c++) w.sockets.push(await w.open(port, c, window));
    return w;
  }

  /** Stops sending and resolves when every request sent was answered (or the socket closed). */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.running = false;
    const deadline = Date.now() + timeoutMs;
    while (this.answered < this.sent.size && this.sockets.some((s) => !s.destroyed) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  close(): void {
    this.running = false;
    for (const s of this.sockets) s.destroy();
  }

  private open(port: number, conn: number, window: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1' });
      const inflight: string[] = [];
      let seq = 0;
      let buffer = '';
      const sendOne = (): void => {
        const key = `w${conn}:${seq}`;
        const value = `v${seq}-${(seq * 7919) % 1000}`;
        seq++;
        this.sent.set(key, value);
        inflight.push(key);
        socket.write(`SET ${key} ${value}\r\n`);
      };
      socket.setEncoding('utf8');
      socket.on('data', (text: string) => {
        buffer += text;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).replace(/\r$/, '');
          buffer = buffer.slice(nl + 1);
          const key = inflight.shift();
          if (key === undefined) continue;
          this.answered++;
          if (line === 'OK') this.acked.set(key, { value: this.sent.get(key) as string, at: performance.now() });
          if (this.running && !socket.destroyed) sendOne();
        }
      });
      socket.on('error', () => undefined);
      socket.once('connect', () => {
        for (let i = 0; i < window; i++) sendOne();
        resolve(socket);
      });
      socket.once('error', reject);
    });
  }
}

/** A request/reply connection for checks. */
export class Checker {
  private buffer = '';
  private lines: string[] = [];
  private wake: (() => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (t: string) => {
      this.buffer += t;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        this.lines.push(this.buffer.slice(0, nl).replace(/\r$/, ''));
        this.buffer = this.buffer.slice(nl + 1);
      }
      this.wake?.();
    });
  }

  static open(port: number): Promise<Checker> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1' }, () => resolve(new Checker(s)));
      s.once('error', reject);
    });
  }

  async line(timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length === 0) {
      if (Date.now() > deadline) throw new Error('timed out waiting for a reply');
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 50);
      });
    }
    return this.lines.shift() as string;
  }

  async call(command: string): Promise<string> {
    this.socket.write(`${command}\r\n`);
    return this.line();
  }

  /** Sends a multi-line command, returns the lines before END. */
  async multi(command: string): Promise<string[]> {
    this.socket.write(`${command}\r\n`);
    const out: string[] = [];
    for (let l = await this.line(); l !== 'END'; l = await this.line()) out.push(l);
    return out;
  }

  close(): void {
    this.socket.destroy();
  }
}
