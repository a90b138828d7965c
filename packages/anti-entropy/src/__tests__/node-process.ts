import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** A MerkleKV node running as a child process (tsx on the sources), with no broker. */
export interface NodeProcess {
  readonly port: number;
  readonly address: string;
  stop(): Promise<void>;
}

/** Starts `apps/node` with a no-broker config; resolves when its client port accepts connections. */
export async function startNodeProcess(nodeId: string, timeoutMs = 60_000): Promise<NodeProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'merklekv-ae-'));
  const file = join(dir, `${nodeId}.toml`);
  writeFileSync(
    file,
    `node_id = "${nodeId}"\n[network]\nbind_address = "127.0.0.1"\nbind_port = ${port}\n[resp]\nenabled = false\n[mqtt]\nbroker_address = "none"\n[anti_entropy]\nenabled = false\n[logging]\nlevel = "warn"\n`,
  );
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', 'tsconfig.base.json', 'apps/node/src/main.ts', '--config', file],
    { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    // The group holds tsx and the node it runs, both started here.
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      const killer = setTimeout(() => {
        if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
      }, 5000);
      await exited;
      clearTimeout(killer);
    }
  };
  const deadline = Date.now() + timeoutMs;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null) throw new Error(`node ${nodeId} exited with ${child.exitCode}: ${stderr}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`node ${nodeId} did not listen on ${port} within ${timeoutMs} ms: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, address: `127.0.0.1:${port}`, stop };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolvePromise(true);
    });
    socket.once('error', () => resolvePromise(false));
  });
}
