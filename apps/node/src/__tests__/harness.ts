import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { validateConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import { startNode, type RunningNode } from '../node.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** A port nobody listens on right now (bound then released by the OS). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** Starts a node in this process; `sections` are merged over a minimal no-broker config. */
export async function startTestNode(
  sections: Record<string, Record<string, unknown>> = {},
  nodeId = 'test-node',
  logger: Logger = pino({ level: 'silent' }),
): Promise<RunningNode> {
  const config = validateConfig({
    node_id: nodeId,
    ...sections,
    network: { bind_address: '127.0.0.1', bind_port: await freePort(), ...sections['network'] },
    mqtt: { broker_address: 'none', ...sections['mqtt'] },
    anti_entropy: { enabled: false, ...sections['anti_entropy'] },
    // Any free port: RunningNode.respPort says which.
    resp: { bind_port: 0, ...sections['resp'] },
  });
  return startNode(config, logger);
}

/** A raw protocol connection reading reply lines, like `nc`. */
export class LineClient {
  private buffer = '';
  private readonly lines: string[] = [];
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly socket: Socket) {
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

  static open(port: number, host = '127.0.0.1'): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host }, () => resolve(new LineClient(socket)));
      socket.once('error', reject);
    });
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** The next reply line; rejects after `timeoutMs` or when the connection closes first. */
  async line(timeoutMs = 5000): Promise<string> {
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

  /** Resolves when the server closes the connection. */
  async closedByServer(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    if (!this.closed) throw new Error('connection still open');
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

/** A node process started from a TOML file, the way `nx serve node --config` starts it. */
export interface NodeProcess {
  readonly child: ChildProcess;
  readonly port: number;
  output(): string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
}

export function writeConfig(toml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'merklekv-test-'));
  const file = join(dir, 'node.toml');
  writeFileSync(file, toml);
  return file;
}

/** Runs apps/node's main through tsx in one process, as `nx serve node --config=FILE` does. */
export function spawnNode(configFile: string | undefined, port: number, env: NodeJS.ProcessEnv = {}): NodeProcess {
  const args = ['--import', 'tsx', 'apps/node/src/main.ts', ...(configFile ? ['--config', configFile] : [])];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, port, output: () => out, exited, kill: (signal = 'SIGTERM') => void child.kill(signal) };
}

/** Waits until a port accepts connections (bounded). */
export async function waitForPort(port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect({ port, host: '127.0.0.1' }, () => {
        s.destroy();
        r(true);
      });
      s.once('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
}
