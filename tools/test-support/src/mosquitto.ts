/** Debian's `mosquitto` as a child process on a loopback port, stopped by its PID. */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManagedProcess } from './managed-process.js';
import { freePort, waitForPort } from './ports.js';

/** Where Debian installs the broker (falls back to `mosquitto` on PATH). */
export const MOSQUITTO_BIN = existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto';

/** True when Debian's mosquitto is installed. */
export function mosquittoInstalled(): boolean {
  return existsSync('/usr/sbin/mosquitto');
}

/** Options of {@link Mosquitto.start}. */
export interface MosquittoOptions {
  /** @default a free port */
  readonly port?: number;
  /** Lines appended to the generated configuration. */
  readonly extraConfig?: string;
  /** `allow_anonymous`. @default true */
  readonly anonymous?: boolean;
  /**
   * The whole configuration file instead of the generated one (it must listen on `port`);
   * the folder is then made writable for mosquitto's own user (persistence).
   */
  readonly config?: string;
  /** Where `NAME.conf` and `NAME.log` go; a fresh temporary folder by default. */
  readonly dir?: string;
  /** @default 'mosquitto' */
  readonly name?: string;
}

/** One broker, restartable on the same port. */
export class Mosquitto {
  private readonly process: ManagedProcess;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly ownsDir: boolean,
    conf: string,
    private readonly logFile: string,
    private readonly custom: boolean,
  ) {
    // A custom configuration logs where it says (stdout, usually): keep that in NAME.log.
    this.process = new ManagedProcess({ command: MOSQUITTO_BIN, args: ['-c', conf], cwd: dir, logFile: custom ? logFile : undefined });
  }

  /** Starts mosquitto and waits until it accepts connections. */
  static async start(opts: MosquittoOptions = {}): Promise<Mosquitto> {
    const port = opts.port ?? (await freePort());
    const ownsDir = opts.dir === undefined;
    const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'mkv-mosquitto-'));
    const name = opts.name ?? 'mosquitto';
    // Started as root, mosquitto drops to its own user: let it write its log (and persistence) file.
    chmodSync(dir, 0o777);
    const conf = join(dir, `${name}.conf`);
    const logFile = join(dir, `${name}.log`);
    writeFileSync(
      conf,
      opts.config ??
        [
          `listener ${port} 127.0.0.1`,
          `allow_anonymous ${String(opts.anonymous ?? true)}`,
          'persistence false',
          // A log file, not stdout: mosquitto flushes it line by line, so tests can wait on its lines.
          `log_dest file ${logFile}`,
          'log_type error',
          'log_type warning',
          'log_type notice',
          'log_type information',
          'connection_messages true',
          opts.extraConfig ?? '',
          '',
        ].join('\n'),
    );
    const broker = new Mosquitto(port, dir, ownsDir, conf, logFile, opts.config !== undefined);
    await broker.launch();
    return broker;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.process.running;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  /** The broker's log so far (the generated configuration logs to NAME.log, flushed per line; a custom one to stdout). */
  output(): string {
    if (this.custom) return this.process.output();
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return ''; // not written yet
    }
  }

  /** Kills the broker (SIGKILL, by PID) and waits for it to exit. */
  async kill(): Promise<void> {
    await this.process.kill9();
  }

  /** Starts the broker again on the same port (killing it first if it runs). */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  /** Stops the broker (SIGTERM, SIGKILL after 3 s) and removes the folder it created. */
  async stop(): Promise<void> {
    await this.process.stop(3000);
    await this.process.closeLog();
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    this.process.spawn();
    try {
      await waitForPort(this.port, {
        what: 'mosquitto',
        timeoutMs: 10_000,
        failure: () => (this.process.running ? undefined : `mosquitto exited with ${String(this.process.exitCode)}: ${this.output()}`),
      });
    } catch (err) {
      await this.process.kill9();
      throw err;
    }
  }
}
