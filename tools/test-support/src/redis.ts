/** A real `redis-server` on a free loopback port, without persistence, stopped by its PID. */
import { ManagedProcess } from './managed-process.js';
import { REPO_ROOT } from './paths.js';
import { freePort, waitForPort } from './ports.js';

/** A running redis-server child. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly pid: number | undefined;
  /** The command line, for reports. */
  readonly launch: string;
  stop(): Promise<void>;
}

/** Starts `redis-server --port P --bind 127.0.0.1 --save '' --appendonly no [...extraArgs]`. */
export async function startRedis(extraArgs: readonly string[] = []): Promise<RedisServer> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs];
  const child = new ManagedProcess({ command: 'redis-server', args, cwd: REPO_ROOT });
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
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    launch: ['redis-server', ...args].map((a) => (a === '' ? "''" : a)).join(' '),
    stop: () => child.kill9(),
  };
}
