import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free loopback TCP port (bound then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

async function waitForPort(port: number, timeoutMs: number, failure: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failed = failure();
    if (failed !== undefined) throw new Error(failed);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`mosquitto did not open port ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Debian's mosquitto as a child process on 127.0.0.1, anonymous access, no persistence. */
export class Mosquitto {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly extraConfig: string,
    private readonly anonymous: boolean,
    private readonly config: string | undefined,
  ) {}

  /**
   * Starts mosquitto on a free port (or `port`) and waits until it accepts connections.
   * `config` replaces the whole generated file (it must listen on `port`); mosquitto then
   * runs in a folder its own user may write to (persistence).
   */
  static async start(opts: { port?: number; extraConfig?: string; anonymous?: boolean; config?: string } = {}): Promise<Mosquitto> {
    const port = opts.port ?? (await freePort());
    const dir = mkdtempSync(join(tmpdir(), 'mkv-mosquitto-'));
    // Started as root, mosquitto drops to its own user: let it write its persistence file.
    if (opts.config !== undefined) chmodSync(dir, 0o777);
    const m = new Mosquitto(port, dir, opts.extraConfig ?? '', opts.anonymous ?? true, opts.config);
    await m.launch();
    return m;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  private async launch(): Promise<void> {
    const conf = join(this.dir, 'mosquitto.conf');
    writeFileSync(conf, this.config ?? `listener ${this.port} 127.0.0.1\nallow_anonymous ${String(this.anonymous)}\npersistence false\nlog_dest none\n${this.extraConfig}`);
    const child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore', cwd: this.dir });
    this.child = child;
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    let exitCode: number | null | undefined;
    const onExit = (code: number | null) => void (exitCode = code);
    child.once('exit', onExit);
    try {
      await waitForPort(this.port, 5000, () => (exitCode === undefined ? undefined : `mosquitto exited with ${String(exitCode)}`));
    } finally {
      child.off('exit', onExit);
    }
  }

  /** Kills the broker (SIGKILL, by PID) and waits for it to exit. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(child.pid, 'SIGKILL');
    await exited;
    this.child = undefined;
  }

  /** Starts the broker again on the same port. */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  /** Kills the broker and removes its config. */
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
