/**
 * Starts a real MerkleKV node (apps/node) as a child process for the client's
 * integration tests: a fresh config on a free loopback port, waits for the
 * `"msg":"listening"` log line and for the port to accept, stops it by PID.
 *
 * The node runs as `node --import tsx apps/node/src/main.ts --config FILE`
 * (tsconfig from TSX_TSCONFIG_PATH): the same as `npx tsx --tsconfig ...`, but
 * one process, so the PID we signal is the server itself (tsx's CLI would put
 * a watcher process in between, and SIGKILL on it would orphan the server).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

export interface NodeProcess {
  readonly port: number;
  readonly pid: number;
  /** stdout + stderr so far, for failure messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after 3 s; resolves when the process is gone. */
  stop(): Promise<void>;
  /** Resolves true once the process has exited by itself, false after `timeoutMs`. */
  waitForExit(timeoutMs: number): Promise<boolean>;
  /** SIGKILL now (a crash); resolves when the process is gone. */
  kill(): Promise<void>;
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      r(true);
    });
    s.once('error', () => r(false));
  });
}

/** Spawns a node on `port`; `antiEntropy` enables SYNC (no periodic sessions) (a free one by default) and waits until it accepts connections. */
export async function spawnNode(opts: { port?: number; nodeId?: string; startTimeoutMs?: number; antiEntropy?: boolean } = {}): Promise<NodeProcess> {
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'merklekv-client-test-'));
  const config = join(dir, 'node.toml');
  writeFileSync(
    config,
    `node_id = "${opts.nodeId ?? 't1'}"\n[network]\nbind_address="127.0.0.1"\nbind_port=${port}\n[resp]\nenabled = false\n[mqtt]\nbroker_address="none"\n[anti_entropy]\n${
      // Enabled (for SYNC) with an interval long enough that no session starts by itself.
      opts.antiEntropy === true ? 'enabled=true\ninterval_seconds=3600' : 'enabled=false'
    }\n`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/node/src/main.ts', '--config', config], {
    cwd: REPO_ROOT,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(REPO_ROOT, 'tsconfig.base.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let listening = false;
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
    if (output.includes('"msg":"listening"')) listening = true;
  });
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const gone = exited(child).then(() => rmSync(dir, { recursive: true, force: true }));
  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`node exited with ${child.exitCode} before listening:\n${output}`);
    if (listening && (await accepts(port))) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`node did not listen on ${port} within the start timeout:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const pid = child.pid ?? -1;
  return {
    port,
    pid,
    output: () => output,
    waitForExit: (timeoutMs) =>
      Promise.race([gone.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref())]),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGTERM');
      const timer = setTimeout(() => child.exitCode === null && child.signalCode === null && process.kill(pid, 'SIGKILL'), 3000);
      await gone;
      clearTimeout(timer);
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL');
      await gone;
    },
  };
}
