import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { withTimeout } from './wait.js';

/** Every child started through this module in this process, so that none outlives a test file. */
const live = new Set<ManagedProcess>();

/**
 * When this process exits by any path that runs 'exit' listeners (the end of a run, process.exit,
 * a signal handler that calls it), every child still running gets SIGKILL by PID, so a benchmark
 * or test stopped half-way leaves no broker or node behind. Registered once, on the first spawn.
 */
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const p of live) p.signal('SIGKILL');
  });
}

/** Kills (SIGKILL, by PID) every child still running; for afterAll / failure paths. */
export async function killAllChildren(): Promise<void> {
  await Promise.all([...live].map((p) => p.kill9()));
}

/** Options of {@link ManagedProcess}. */
export interface ManagedProcessOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** Merged over `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here (kept after the run); without it they are kept in memory only. */
  readonly logFile?: string;
}

/**
 * A child process whose stdout and stderr are captured (in memory and, when
 * given, appended to a log file), that can be killed with SIGKILL, stopped
 * with SIGTERM (bounded, SIGKILL after), and started again with the same command line.
 */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  private readonly log: WriteStream | undefined;
  private readonly lineListeners = new Set<(line: string) => void>();
  private partial = '';
  private captured = '';

  constructor(private readonly opts: ManagedProcessOptions) {
    this.log = opts.logFile === undefined ? undefined : createWriteStream(opts.logFile, { flags: 'a' });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The exit code of the current child (null while running or after a signal). */
  get exitCode(): number | null {
    return this.child?.exitCode ?? null;
  }

  /** The command and its arguments as one line (empty arguments as `''`), for reports. */
  get commandLine(): string {
    return [this.opts.command, ...this.opts.args].map((a) => (a === '' ? "''" : a)).join(' ');
  }

  /** stdout + stderr of every start so far, for failure messages. */
  output(): string {
    return this.captured;
  }

  /** Spawns the command; `onLine` sees each stdout line (for readiness). */
  spawn(): void {
    if (this.running) throw new Error(`${this.opts.command} is already running (pid ${this.pid})`);
    this.note(`spawn ${this.opts.command} ${this.opts.args.join(' ')}`);
    const child = spawn(this.opts.command, [...this.opts.args], {
      cwd: this.opts.cwd,
      env: this.opts.env === undefined ? process.env : { ...process.env, ...this.opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    live.add(this);
    installExitHook();
    this.partial = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      this.record(chunk);
      this.scan(chunk.toString('utf8'));
    });
    child.stderr?.on('data', (chunk: Buffer) => this.record(chunk));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.note(`exited code=${String(code)} signal=${String(signal)}`);
        live.delete(this);
        resolve(code);
      });
      child.once('error', (err) => {
        this.note(`spawn error: ${err.message}`);
        live.delete(this);
        resolve(null);
      });
    });
  }

  /** Calls `listener` with every later stdout line; returns an unsubscribe function. */
  onLine(listener: (line: string) => void): () => void {
    this.lineListeners.add(listener);
    return () => this.lineListeners.delete(listener);
  }

  /** Resolves with the exit code when the current child exits. */
  waitExit(): Promise<number | null> {
    return this.exited;
  }

  /** Sends `signal` to the child by PID (no-op when it is not running). */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child?.kill(signal);
  }

  /** SIGKILL by PID; resolves once it is gone. */
  async kill9(): Promise<void> {
    if (!this.running) return;
    this.note('SIGKILL');
    this.child?.kill('SIGKILL');
    await withTimeout(`exit of pid ${this.pid} after SIGKILL`, this.exited, 5000);
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 8000): Promise<void> {
    if (!this.running) return;
    this.note('SIGTERM');
    this.child?.kill('SIGTERM');
    try {
      await withTimeout(`graceful exit of pid ${this.pid}`, this.exited, graceMs);
    } catch {
      this.note(`still running after ${graceMs} ms: SIGKILL`);
      await this.kill9();
    }
  }

  /** Closes the log file (after the process is gone). */
  async closeLog(): Promise<void> {
    const log = this.log;
    if (log !== undefined && !log.writableEnded) await new Promise<void>((resolve) => log.end(resolve));
  }

  /** Appends a harness note to the log, so a reader sees kills and restarts in place. */
  note(text: string): void {
    if (this.log !== undefined && !this.log.writableEnded) this.log.write(`# test ${new Date().toISOString()} ${text}\n`);
  }

  private record(chunk: Buffer): void {
    this.captured += chunk.toString('utf8');
    if (this.log !== undefined && !this.log.writableEnded) this.log.write(chunk);
  }

  private scan(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) for (const listener of this.lineListeners) listener(line);
  }
}
