/** A real `redis-server` on a free loopback port, stopped by its PID. */
import { ManagedProcess } from './managed-process.js';
import { REPO_ROOT } from './paths.js';
import { freePort, waitForPort } from './ports.js';

/** Options of {@link startRedis}. */
export interface RedisOptions {
  /**
   * Keep the data across a kill and a restart: an append-only file fsynced on every write
   * (`--appendonly yes --appendfsync always`) in this folder. @default none: no persistence
   */
  readonly dataDir?: string;
  /** More `redis-server` arguments (e.g. `--maxclients 10000`). */
  readonly extraArgs?: readonly string[];
}

/** A running redis-server child. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly pid: number | undefined;
  /** The command line, for reports. */
  readonly launch: string;
  /** SIGKILL; resolves when it is gone. */
  stop(): Promise<void>;
  /** SIGKILL (a crash); `restart()` brings it back on the same port and folder. */
  kill(): Promise<void>;
  restart(): Promise<void>;
}

/** Starts `redis-server --port P --bind 127.0.0.1` (without persistence unless `dataDir` is given) and waits until it accepts. */
export async function startRedis(opts: RedisOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const persistence =
    opts.dataDir === undefined
      ? ['--save', '', '--appendonly', 'no']
      : ['--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', opts.dataDir];
  const args = ['--port', String(port), '--bind', '127.0.0.1', ...persistence, ...(opts.extraArgs ?? [])];
  const child = new ManagedProcess({ command: 'redis-server', args, cwd: REPO_ROOT });
  const launch = async (): Promise<void> => {
    child.spawn();
    try {
      await waitForPort(port, {
        what: 'redis-server',
        timeoutMs: 10_000,
        failure: () => (child.running ? undefined : `redis-server exited with ${String(child.exitCode)} (is it installed?): ${child.output()}`),
      });
    } catch (err) {
      await child.kill9();
      throw err;
    }
  };
  await launch();
  const kill = (): Promise<void> => child.kill9();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child.pid;
    },
    launch: child.commandLine,
    stop: kill,
    kill,
    restart: launch,
  };
}
