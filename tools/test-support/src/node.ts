/**
 * A real MerkleKV node (apps/node) as a child process, the one way every test
 * starts one. `sources` runs `node --import tsx apps/node/src/main.ts` (one
 * process, so the PID we signal is the server itself: tsx's CLI would put a
 * watcher in between and SIGKILL on it would orphan the server); `built` runs
 * `node apps/node/dist/main.js` (build it first: Nx targets that use it
 * declare `dependsOn: node:build`).
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManagedProcess } from './managed-process.js';
import { NODE_BUILT_MAIN, NODE_SOURCE_MAIN, REPO_ROOT } from './paths.js';
import { freePort, portOpen } from './ports.js';
import { waitFor } from './wait.js';

/** How the node process is launched. */
export interface NodeLaunchOptions {
  /** `auto`: the build when it exists, else the sources. @default 'sources' */
  readonly launch?: 'sources' | 'built' | 'auto';
  /** Flags for `node` itself, before the script (e.g. `--cpu-prof`). */
  readonly nodeArgs?: readonly string[];
  /** Merged over `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Append stdout/stderr here too (kept after the run). */
  readonly logFile?: string;
}

/** Options of {@link NodeProcess.start}. */
export interface NodeReadyOptions {
  /** @default 30_000 */
  readonly timeoutMs?: number;
  /** Also wait for the `"msg":"listening"` log line (off when the log level hides info). @default true */
  readonly waitForLog?: boolean;
}

/** Thrown when a node exits before it listens; the message carries its output. */
export class NodeStartError extends Error {
  readonly code = 'START_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'NodeStartError';
  }
}

/** One node process for one config file; restartable with the same command line. */
export class NodeProcess {
  readonly process: ManagedProcess;
  /** True when it runs `apps/node/dist/main.js`, false for the sources through tsx. */
  readonly built: boolean;
  private listening = false;

  /** @param configFile the TOML file, or undefined for the built-in defaults (as `nx serve node`). */
  constructor(
    readonly configFile: string | undefined,
    readonly port: number,
    launch: NodeLaunchOptions = {},
  ) {
    const built = launch.launch === 'built' || (launch.launch === 'auto' && existsSync(NODE_BUILT_MAIN));
    const main = built ? NODE_BUILT_MAIN : NODE_SOURCE_MAIN;
    if (built && !existsSync(main)) {
      throw new NodeStartError(`${main} is missing: run \`npx nx build node\` (targets that use the build declare dependsOn node:build)`);
    }
    this.built = built;
    const loader = built ? [] : ['--import', 'tsx'];
    this.process = new ManagedProcess({
      command: process.execPath,
      args: [...(launch.nodeArgs ?? []), ...loader, main, ...(configFile === undefined ? [] : ['--config', configFile])],
      cwd: REPO_ROOT,
      env: { TSX_TSCONFIG_PATH: join(REPO_ROOT, 'tsconfig.base.json'), ...launch.env },
      logFile: launch.logFile,
    });
    this.process.onLine((line) => {
      if (line.includes('"msg":"listening"')) this.listening = true;
    });
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get running(): boolean {
    return this.process.running;
  }

  /** stdout + stderr so far. */
  output(): string {
    return this.process.output();
  }

  /** The command line, for reports. */
  get commandLine(): string {
    return this.process.commandLine;
  }

  /** Starts the process without waiting (for tests that expect it to fail or exit). */
  spawn(): void {
    this.listening = false;
    this.process.spawn();
  }

  /** Starts the process and resolves once it listens. @throws NodeStartError, WaitTimeoutError */
  async start(opts: NodeReadyOptions = {}): Promise<void> {
    this.spawn();
    await this.untilListening(opts);
  }

  /** Resolves once the node logged `listening` (unless `waitForLog` is false) and its port accepts. */
  async untilListening(opts: NodeReadyOptions = {}): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    try {
      await waitFor(
        `node to listen on ${this.port}`,
        async () => {
          if (!this.process.running) return 'exited' as const;
          if (opts.waitForLog !== false && !this.listening) return undefined;
          return (await portOpen(this.port)) ? ('up' as const) : undefined;
        },
        { timeoutMs, intervalMs: 25 },
      ).then((state) => {
        if (state === 'exited') throw new NodeStartError(`node exited with ${String(this.process.exitCode)} before listening on ${this.port}:\n${this.output()}`);
      });
    } catch (err) {
      if (err instanceof NodeStartError) throw err;
      await this.process.kill9();
      throw new Error(`node did not listen on ${this.port} within ${timeoutMs} ms:\n${this.output()}`, { cause: err });
    }
  }

  /** Resolves with the exit code when the (current) process exits. */
  get exited(): Promise<number | null> {
    return this.process.waitExit();
  }

  /** Resolves true once the process has exited by itself, false after `timeoutMs`. */
  waitForExit(timeoutMs: number): Promise<boolean> {
    return Promise.race([this.process.waitExit().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref())]);
  }

  /** Sends a signal by PID without waiting (SIGHUP for a reload, SIGTERM for a stop: await `exited`). */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.process.signal(signal);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs = 8000): Promise<void> {
    return this.process.stop(graceMs);
  }

  /** SIGKILL now (a crash: no shutdown code runs); resolves when the process is gone. */
  kill9(): Promise<void> {
    return this.process.kill9();
  }
}

/** The sections of a standalone test node's TOML. */
export interface NodeConfigOptions {
  readonly nodeId?: string;
  /** Client port. */
  readonly port: number;
  /** Enables anti-entropy (for SYNC) with an interval long enough that no session starts by itself. @default false */
  readonly antiEntropy?: boolean;
  readonly peers?: readonly string[];
  readonly adminPort?: number;
  /** `[logging] level`. @default info (the node's default) */
  readonly logLevel?: string;
  /** `mqtt.broker_address`. @default 'none' */
  readonly broker?: string;
  /** Extra TOML appended after the sections above (e.g. a `[storage]` section); with {@link startNode}, `{dir}` is the node's temporary folder. */
  readonly extraToml?: string;
}

/** TOML for a node on 127.0.0.1:`port` with no broker and no periodic anti-entropy unless asked. */
export function nodeToml(opts: NodeConfigOptions): string {
  return [
    `node_id = "${opts.nodeId ?? 'test-node'}"`,
    '[network]',
    'bind_address = "127.0.0.1"',
    `bind_port = ${opts.port}`,
    // The RESP listener would take its default port 6380: test nodes never fight over it.
    '[resp]',
    'enabled = false',
    '[mqtt]',
    `broker_address = ${JSON.stringify(opts.broker ?? 'none')}`,
    '[anti_entropy]',
    opts.antiEntropy === true ? 'enabled = true\ninterval_seconds = 3600' : 'enabled = false',
    `peer_list = ${JSON.stringify(opts.peers ?? [])}`,
    ...(opts.adminPort === undefined ? [] : ['[admin]', `port = ${opts.adminPort}`]),
    ...(opts.logLevel === undefined ? [] : ['[logging]', `level = "${opts.logLevel}"`]),
    opts.extraToml ?? '',
    '',
  ].join('\n');
}

/** Writes `toml` to a fresh temporary folder (`{dir}` in it becomes that folder) and returns the file's path. */
export function writeConfig(toml: string, name = 'node.toml'): string {
  const dir = mkdtempSync(join(tmpdir(), 'merklekv-test-'));
  const file = join(dir, name);
  writeFileSync(file, toml.replaceAll('{dir}', dir));
  return file;
}

/** Options of {@link startNode}. */
export type StartNodeOptions = Partial<NodeConfigOptions> &
  NodeLaunchOptions & {
    /** The whole TOML file instead of {@link nodeToml} (it must listen on `port`). */
    readonly toml?: string | ((port: number) => string);
    readonly startTimeoutMs?: number;
  };

/** Starts a node on a free port (or `port`) from a fresh config and waits until it listens. */
export async function startNode(opts: StartNodeOptions = {}): Promise<NodeProcess> {
  const port = opts.port ?? (await freePort());
  const toml = typeof opts.toml === 'function' ? opts.toml(port) : (opts.toml ?? nodeToml({ ...opts, port }));
  const node = new NodeProcess(writeConfig(toml), port, opts);
  const quiet = /^\s*level\s*=\s*"(warn|error|fatal|silent)"/m.test(toml);
  await node.start({ timeoutMs: opts.startTimeoutMs, waitForLog: !quiet });
  return node;
}
