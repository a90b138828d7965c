/**
 * A real `redis-server` for integration tests: started on a free loopback port without
 * persistence, stopped by its PID.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';

/** A running redis-server child. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((r) => {
      const s = connect({ port, host: '127.0.0.1' }, () => (s.destroy(), r(true)));
      s.once('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server did not listen on ${port} within ${timeoutMs} ms`);
}

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /**
   * Keep the data across a kill and a restart: an append-only file fsynced on every write
   * (`--appendonly yes --appendfsync always`) in this folder. @default none: no persistence
   */
  readonly dataDir?: string;
}

/**
 * Starts `redis-server --port P` on 127.0.0.1 (without persistence unless `dataDir` is given).
 * `kill()` SIGKILLs it; `restart()` starts it again on the same port and folder.
 */
export async function startRedisServer(opts: RedisServerOptions = {}): Promise<RedisServer & { kill(): Promise<void>; restart(): Promise<void> }> {
  const port = await freePort();
  const persistence =
    opts.dataDir === undefined
      ? ['--save', '', '--appendonly', 'no']
      : ['--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', opts.dataDir];
  let child: ChildProcess;
  let exited: Promise<void>;
  const spawnServer = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', ...persistence], { stdio: 'ignore' });
    const c = child;
    exited = new Promise<void>((r) => c.once('exit', () => r()));
    try {
      await waitForPort(port, c);
    } catch (err) {
      if (c.pid !== undefined && c.exitCode === null) process.kill(c.pid, 'SIGKILL');
      throw err;
    }
  };
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    await exited;
  };
  await spawnServer();
  return { port, url: `redis://127.0.0.1:${port}`, stop: kill, kill, restart: spawnServer };
}
