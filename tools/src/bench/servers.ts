/**
 * Servers under test as child processes: a throwaway `redis-server` and a
 * MerkleKV node, each on a free loopback port, started, probed until they
 * answer `PING`, and stopped by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startRedis as startTestRedis, type RedisServer } from '@merklekv/test-support';
import { BenchError, BenchErrorCode } from './errors.js';

/** A server the bench talks to; `stop` is a no-op for one it did not start. */
export interface ServerHandle {
  readonly label: string;
  readonly host: string;
  readonly port: number;
  /** For CPU accounting; undefined when unknown (external server without --pid). */
  readonly pid: number | undefined;
  /** How it was launched, for the report. */
  readonly launch: string;
  stop(): Promise<void>;
}

export { freePort };

/** One `PING` round trip; resolves true when any reply line came back. */
function pingOnce(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.on('error', () => done(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d: Buffer) => {
      if (d.includes(10)) done(true);
    });
  });
}

/**
 * Polls until the server answers `PING`, the child exits, or `timeoutMs` passes.
 * @throws BenchError `SERVER_START_FAILED`
 */
export async function waitForPing(host: string, port: number, timeoutMs: number, child?: ChildProcess, output?: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child && child.exitCode !== null) {
      throw new BenchError(
        BenchErrorCode.SERVER_START_FAILED,
        `Server on port ${port} exited with code ${child.exitCode} before answering PING:\n${output?.() ?? ''}`,
      );
    }
    if (await pingOnce(host, port, 1000)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new BenchError(BenchErrorCode.SERVER_START_FAILED, `No PING reply from ${host}:${port} within ${timeoutMs} ms:\n${output?.() ?? ''}`);
}

/** Keeps the last few KiB a child printed, for error messages. */
function captureOutput(child: ChildProcess): () => string {
  let tail = '';
  const keep = (d: Buffer): void => {
    tail = (tail + d.toString()).slice(-4096);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => tail;
}

/** SIGTERM by PID, then SIGKILL after `graceMs` if it has not exited. */
function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function startChild(label: string, cmd: string, args: string[], port: number, opts: { cwd?: string; env?: NodeJS.ProcessEnv; startTimeoutMs: number; cleanup?: () => void }): Promise<ServerHandle> {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = captureOutput(child);
  const spawned = await new Promise<Error | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', (err) => resolve(err));
  });
  if (spawned || child.pid === undefined) {
    opts.cleanup?.();
    throw new BenchError(BenchErrorCode.SERVER_START_FAILED, `Cannot start ${cmd}: ${spawned?.message ?? 'no pid'}`, { cause: spawned });
  }
  try {
    await waitForPing('127.0.0.1', port, opts.startTimeoutMs, child, output);
  } catch (err) {
    await stopChild(child);
    opts.cleanup?.();
    throw err;
  }
  return {
    label,
    host: '127.0.0.1',
    port,
    pid: child.pid,
    launch: [cmd, ...args].map((a) => (a === '' ? "''" : a)).join(' '),
    stop: async () => {
      await stopChild(child);
      opts.cleanup?.();
    },
  };
}

/**
 * Starts `redis-server` on a free loopback port, without persistence (test-support's
 * startRedis), and checks it answers PING.
 * @throws BenchError `SERVER_START_FAILED`
 */
export async function startRedis(): Promise<ServerHandle> {
  let redis: RedisServer;
  try {
    redis = await startTestRedis({ extraArgs: ['--loglevel', 'warning', '--maxclients', '10000'] });
  } catch (err) {
    throw new BenchError(BenchErrorCode.SERVER_START_FAILED, `Cannot start redis-server: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  await waitForPing('127.0.0.1', redis.port, 10_000).catch(async (err: unknown) => {
    await redis.stop();
    throw err;
  });
  return { label: 'Redis', host: '127.0.0.1', port: redis.port, pid: redis.pid, launch: redis.launch, stop: () => redis.stop() };
}

/** How the bench node replicates and repairs. */
export interface BenchNodeSetup {
  /** `mqtt.broker_address`: a broker URL, or `none` (replication off). @default 'none' */
  readonly broker?: string;
  /** `anti_entropy.enabled` at its default interval. @default false */
  readonly antiEntropy?: boolean;
  /** `[resp] bind_port` (the RESP listener, docs/RESP.md). @default RESP off */
  readonly respPort?: number;
}

/** The TOML config of a bench node: standalone unless `setup` names a broker. */
export function nodeConfigToml(port: number, setup: BenchNodeSetup = {}): string {
  return [
    'node_id = "bench"',
    '[network]',
    'bind_address = "127.0.0.1"',
    `bind_port = ${port}`,
    'max_connections = 10000',
    '[resp]',
    ...(setup.respPort === undefined ? ['enabled = false'] : [`bind_port = ${setup.respPort}`]),
    '[mqtt]',
    `broker_address = ${JSON.stringify(setup.broker ?? 'none')}`,
    `topic_prefix = "bench-kv-${process.pid}"`,
    '[anti_entropy]',
    `enabled = ${setup.antiEntropy === true ? 'true' : 'false'}`,
    '[logging]',
    'level = "warn"',
    '',
  ].join('\n');
}

/** How to launch the node: its build, its sources through tsx, or whichever exists. */
export type NodeLaunchMode = 'auto' | 'built' | 'tsx';

/**
 * Starts a MerkleKV node (apps/node) on a free loopback port, replicating
 * through `setup.broker` (standalone by default). `built` runs `node apps/node/dist/main.js`
 * (build it first: `npx nx build node`); `tsx` runs the sources with
 * `node --import tsx`, so the node process itself is the child whose CPU is
 * measured; `auto` takes the build when it exists.
 * @throws BenchError `SERVER_START_FAILED`
 */
export async function startMerkleKv(
  root: string,
  mode: NodeLaunchMode,
  extraNodeArgs: readonly string[] = [],
  setup: BenchNodeSetup = {},
): Promise<ServerHandle & { stale: boolean; respPort: number }> {
  const port = await freePort();
  const respPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'merklekv-bench-'));
  const configFile = join(dir, 'node.toml');
  writeFileSync(configFile, nodeConfigToml(port, { ...setup, respPort }));
  const built = join(root, 'apps/node/dist/main.js');
  const source = join(root, 'apps/node/src/main.ts');
  const useBuilt = mode === 'built' || (mode === 'auto' && existsSync(built));
  const stale = useBuilt && existsSync(built) && existsSync(source) && statSync(source).mtimeMs > statSync(built).mtimeMs;
  const args = useBuilt
    ? [...extraNodeArgs, built, '--config', configFile]
    : [...extraNodeArgs, '--import', 'tsx', source, '--config', configFile];
  const handle = await startChild('MerkleKV', process.execPath, args, port, {
    cwd: root,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.base.json') },
    startTimeoutMs: 60_000,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  });
  return { ...handle, stale, respPort };
}

/**
 * Starts the reference Node.js server (baseline-server.ts) on a free loopback
 * port, as its own process through `node --import tsx`, so its CPU is measured
 * like the node's.
 * @throws BenchError `SERVER_START_FAILED`
 */
export async function startBaseline(root: string): Promise<ServerHandle> {
  const port = await freePort();
  const script = join(root, 'tools/src/bench/baseline-server.ts');
  return startChild('Baseline', process.execPath, ['--import', 'tsx', script, String(port)], port, {
    cwd: root,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.base.json') },
    startTimeoutMs: 30_000,
  });
}

/** A server the bench did not start (`--host/--port`). */
export async function externalServer(label: string, host: string, port: number, pid: number | undefined): Promise<ServerHandle> {
  await waitForPing(host, port, 5000);
  return { label, host, port, pid, launch: `external ${host}:${port}`, stop: async () => undefined };
}
