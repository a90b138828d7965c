/**
 * Servers under test as child processes, started through @merklekv/test-support
 * (a throwaway `redis-server`, a MerkleKV node, the baseline server), each on a
 * free loopback port, and stopped by PID; the bench adds its own configuration,
 * the `PING` probe of a server it did not start, and its error codes.
 */
import { rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import {
  freePort,
  ManagedProcess,
  NODE_BUILT_MAIN,
  NODE_SOURCE_MAIN,
  REPO_ROOT,
  startNode,
  startRedis,
  waitFor,
  waitForPort,
  type NodeProcess,
  type RedisServer,
  type StartNodeOptions,
} from '@merklekv/test-support';
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
 * Polls until the server answers `PING` or `timeoutMs` passes.
 * @throws BenchError `SERVER_START_FAILED`
 */
export async function waitForPing(host: string, port: number, timeoutMs: number): Promise<void> {
  try {
    await waitFor(`a PING reply from ${host}:${port}`, () => pingOnce(host, port, 1000), { timeoutMs, intervalMs: 100 });
  } catch (err) {
    throw new BenchError(BenchErrorCode.SERVER_START_FAILED, `No PING reply from ${host}:${port} within ${timeoutMs} ms`, { cause: err });
  }
}

const startFailed = (what: string, err: unknown): BenchError =>
  new BenchError(BenchErrorCode.SERVER_START_FAILED, `Cannot start ${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });

/**
 * Starts `redis-server` on a free loopback port, without persistence (test-support's
 * startRedis), and checks it answers PING.
 * @throws BenchError `SERVER_START_FAILED`
 */
export async function startBenchRedis(): Promise<ServerHandle> {
  let redis: RedisServer;
  try {
    redis = await startRedis({ extraArgs: ['--loglevel', 'warning', '--maxclients', '10000'] });
  } catch (err) {
    throw startFailed('redis-server', err);
  }
  await waitForPing('127.0.0.1', redis.port, 10_000).catch(async (err: unknown) => {
    await redis.stop();
    throw err;
  });
  return { label: 'Redis', host: '127.0.0.1', port: redis.port, pid: redis.pid, launch: redis.launch, stop: () => redis.stop() };
}

/**
 * A node through test-support's startNode, mapping a failed start to the bench's error.
 * @throws BenchError `SERVER_START_FAILED`
 */
export async function startBenchNode(opts: StartNodeOptions): Promise<NodeProcess> {
  try {
    return await startNode(opts);
  } catch (err) {
    throw startFailed('the MerkleKV node', err);
  }
}

/** Stops a node from {@link startBenchNode} (SIGTERM, SIGKILL after `graceMs`) and removes its config folder. */
export async function stopBenchNode(node: NodeProcess, graceMs?: number): Promise<void> {
  await node.stop(graceMs);
  await node.process.closeLog();
  if (node.configFile !== undefined) rmSync(dirname(node.configFile), { recursive: true, force: true });
}

/** How the bench node replicates and repairs. */
export interface BenchNodeSetup {
  /** `mqtt.broker_address`: a broker URL, or `none` (replication off). @default 'none' */
  readonly broker?: string;
  /** `anti_entropy.enabled` at its default interval. @default false */
  readonly antiEntropy?: boolean;
  /** `[resp] bind_port` (the RESP listener, docs/RESP.md). @default RESP off */
  readonly respPort?: number;
  /** @default 'bench' */
  readonly nodeId?: string;
  /** `mqtt.topic_prefix`, shared by the nodes of one cluster. @default 'bench-kv-PID' */
  readonly topicPrefix?: string;
}

/** The TOML config of a bench node: standalone unless `setup` names a broker. */
export function nodeConfigToml(port: number, setup: BenchNodeSetup = {}): string {
  return [
    `node_id = ${JSON.stringify(setup.nodeId ?? 'bench')}`,
    '[network]',
    'bind_address = "127.0.0.1"',
    `bind_port = ${port}`,
    'max_connections = 10000',
    '[resp]',
    ...(setup.respPort === undefined ? ['enabled = false'] : [`bind_port = ${setup.respPort}`]),
    '[mqtt]',
    `broker_address = ${JSON.stringify(setup.broker ?? 'none')}`,
    `topic_prefix = ${JSON.stringify(setup.topicPrefix ?? `bench-kv-${process.pid}`)}`,
    '[anti_entropy]',
    `enabled = ${setup.antiEntropy === true ? 'true' : 'false'}`,
    '[logging]',
    'level = "warn"',
    '',
  ].join('\n');
}

/** How to launch the node: its build, its sources through tsx, or whichever exists. */
export type NodeLaunchMode = 'auto' | 'built' | 'tsx';

/** True when apps/node/src/main.ts is newer than its build (the build would measure old code). */
function buildIsStale(): boolean {
  try {
    return statSync(NODE_SOURCE_MAIN).mtimeMs > statSync(NODE_BUILT_MAIN).mtimeMs;
  } catch {
    return false; // no build
  }
}

/**
 * Starts a MerkleKV node (apps/node) on a free loopback port, replicating
 * through `setup.broker` (standalone by default). `built` runs `node apps/node/dist/main.js`
 * (build it first: `npx nx build node`); `tsx` runs the sources with
 * `node --import tsx`, so the node process itself is the child whose CPU is
 * measured; `auto` takes the build when it exists.
 * @throws BenchError `SERVER_START_FAILED`
 */
export async function startMerkleKv(
  mode: NodeLaunchMode,
  extraNodeArgs: readonly string[] = [],
  setup: BenchNodeSetup = {},
): Promise<ServerHandle & { stale: boolean; respPort: number }> {
  const respPort = await freePort();
  const node = await startBenchNode({
    launch: mode === 'tsx' ? 'sources' : mode,
    nodeArgs: extraNodeArgs,
    toml: (port) => nodeConfigToml(port, { ...setup, respPort }),
    startTimeoutMs: 60_000,
  });
  return {
    label: 'MerkleKV',
    host: '127.0.0.1',
    port: node.port,
    pid: node.pid,
    launch: node.commandLine,
    stale: node.built && buildIsStale(),
    respPort,
    stop: () => stopBenchNode(node),
  };
}

/**
 * Starts the reference Node.js server (baseline-server.ts) on a free loopback
 * port, as its own process through `node --import tsx`, so its CPU is measured
 * like the node's; with `floor`, its floor backend (floor-backend.ts), publishing
 * through `floor.brokerUrl` (`none`: no replication).
 * @throws BenchError `SERVER_START_FAILED`
 */
export async function startBaseline(floor?: { readonly brokerUrl: string }): Promise<ServerHandle> {
  const port = await freePort();
  const child = new ManagedProcess({
    command: process.execPath,
    args: ['--import', 'tsx', join(REPO_ROOT, 'tools/src/bench/baseline-server.ts'), String(port), ...(floor === undefined ? [] : ['--floor', floor.brokerUrl])],
    cwd: REPO_ROOT,
    env: { TSX_TSCONFIG_PATH: join(REPO_ROOT, 'tsconfig.base.json') },
  });
  child.spawn();
  try {
    await waitForPort(port, {
      what: 'the baseline server',
      timeoutMs: 30_000,
      failure: () => (child.running ? undefined : `the baseline server exited with ${String(child.exitCode)}: ${child.output()}`),
    });
    await waitForPing('127.0.0.1', port, 10_000);
  } catch (err) {
    await child.kill9();
    throw err instanceof BenchError ? err : startFailed('the baseline server', err);
  }
  return { label: floor === undefined ? 'Baseline' : 'Floor', host: '127.0.0.1', port, pid: child.pid, launch: child.commandLine, stop: () => child.stop(3000) };
}

/** A server the bench did not start (`--host/--port`). */
export async function externalServer(label: string, host: string, port: number, pid: number | undefined): Promise<ServerHandle> {
  await waitForPing(host, port, 5000);
  return { label, host, port, pid, launch: `external ${host}:${port}`, stop: async () => undefined };
}
