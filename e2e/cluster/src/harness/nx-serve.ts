import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { LOG_ROOT, REPO_ROOT } from './paths.js';
import { waitFor, withTimeout } from './wait.js';

/** Every `nx serve` launched by this file, so none outlives it. */
const live = new Set<NxServe>();

/** SIGKILLs (by PID) every `nx serve` of this file still running and the node it started. */
export async function killAllNxServes(): Promise<void> {
  await Promise.all([...live].map((serve) => serve.forceStop()));
  live.clear();
}

/**
 * The environment of a user's shell: the outer Nx task runner's own
 * variables (NX_TASK_*, NX_FORKED_TASK_EXECUTOR, ...) are left out so that
 * the inner `npx nx serve` behaves as it does when typed in a terminal.
 */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('NX_') && !name.startsWith('JEST_')) env[name] = value;
  return { ...env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0' };
}

/** Options of {@link NxServe}. */
export interface NxServeOptions {
  /** The arguments after `npx`, e.g. `['nx', 'serve', 'node', '--config=configs/node1.toml']`. */
  readonly args: readonly string[];
  /** Run it in a pseudo-terminal (through `script`), as in a terminal window; Ctrl-C is then available. */
  readonly terminal?: boolean;
  /** Log file name under `.e2e-logs/<folder>/`. */
  readonly folder: string;
  readonly name: string;
}

/**
 * `npx nx serve node ...` run as a user runs it from the workspace root: in
 * a terminal (a pseudo-terminal from util-linux `script`, so that Ctrl-C is
 * a keystroke) or plainly with pipes (a script, a supervisor).
 */
export class NxServe {
  private readonly child: ChildProcess;
  private output = '';
  private readonly nodePids = new Set<number>();
  private readonly log: WriteStream;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(private readonly opts: NxServeOptions) {
    const dir = join(LOG_ROOT, opts.folder);
    mkdirSync(dir, { recursive: true });
    this.log = createWriteStream(join(dir, `${opts.name}.log`), { flags: 'a' });
    const line = ['npx', ...opts.args].join(' ');
    this.log.write(`# e2e ${new Date().toISOString()} $ ${line}${opts.terminal ? ' (in a terminal)' : ''}\n`);
    this.child = opts.terminal
      ? spawn('script', ['-qfec', line, '/dev/null'], { cwd: REPO_ROOT, env: userEnv(), stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn('npx', [...opts.args], { cwd: REPO_ROOT, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    live.add(this);
    const take = (chunk: Buffer): void => {
      this.output += chunk.toString('utf8');
      this.log.write(chunk);
    };
    this.child.stdout?.on('data', take);
    this.child.stderr?.on('data', take);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.log.write(`\n# e2e npx exited code=${String(code)} signal=${String(signal)}\n`);
        resolve({ code, signal });
      });
    });
  }

  /** The pid of `npx` (or of `script` in a terminal); `npx` leads a process group of its own. */
  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`npx ${this.opts.args.join(' ')} did not start`);
    return this.child.pid;
  }

  /** Everything printed so far (stdout and stderr). */
  text(): string {
    return this.output;
  }

  /** Waits until the output holds `needle`. */
  async waitForOutput(needle: string | RegExp, timeoutMs = 90_000): Promise<void> {
    await waitFor(
      `${String(needle)} in the output of npx ${this.opts.args.join(' ')}`,
      () => {
        const found = typeof needle === 'string' ? this.output.includes(needle) : needle.test(this.output);
        if (found) return true;
        if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`it exited first:\n${this.output.slice(-2000)}`);
        return undefined;
      },
      { timeoutMs, intervalMs: 100 },
    );
  }

  /** Waits until the node logged `listening`. */
  waitListening(timeoutMs = 90_000): Promise<void> {
    return this.waitForOutput('"msg":"listening"', timeoutMs);
  }

  /** Ctrl-C on the terminal (only with `terminal: true`). */
  ctrlC(): void {
    if (!this.opts.terminal) throw new Error('Ctrl-C needs a terminal');
    this.child.stdin?.write('\x03');
  }

  /** Sends `signal` to the `npx` process itself (what kill, timeout or a supervisor do). */
  signal(signal: NodeJS.Signals): void {
    process.kill(this.pid, signal);
  }

  /** Sends `signal` to the whole process group of `npx` (what a shell's job control or `timeout` do). */
  signalGroup(signal: NodeJS.Signals): void {
    process.kill(-this.pid, signal);
  }

  /** Waits for the exit (bounded). */
  waitExit(timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return withTimeout(`exit of npx ${this.opts.args.join(' ')}`, this.exited, timeoutMs);
  }

  /** Remembers the pid of the node this command started (when it logs to a file), for {@link forceStop}. */
  adopt(nodePid: number): void {
    this.nodePids.add(nodePid);
  }

  /** Cleanup after a failure: SIGKILL to npx/script and to the node it serves (by the pid it logged). */
  async forceStop(): Promise<void> {
    for (const match of this.output.matchAll(/"pid":(\d+)/g)) this.nodePids.add(Number(match[1]));
    for (const pid of this.nodePids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (this.child.exitCode === null && this.child.signalCode === null) {
      process.kill(this.opts.terminal ? this.pid : -this.pid, 'SIGKILL');
      await withTimeout('exit after SIGKILL', this.exited, 5000).catch(() => undefined);
    }
  }
}
