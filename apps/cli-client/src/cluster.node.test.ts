/**
 * `merklekv-cli cluster` as a subprocess against two real nodes: node A has
 * its admin listener on and node B in its peer_list.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { freePort, spawnNode, type NodeProcess } from './__tests__/node-process.js';
import { BIN, REPO_ROOT, runCli } from './__tests__/run-cli.js';

jest.setTimeout(120_000);

let a: NodeProcess;
let b: NodeProcess;
let admin: string;

beforeAll(async () => {
  b = await spawnNode({ nodeId: 'cli-b' });
  const adminPort = await freePort();
  a = await spawnNode({ nodeId: 'cli-a', peers: [`127.0.0.1:${b.port}`], adminPort });
  admin = `127.0.0.1:${adminPort}`;
});

afterAll(async () => {
  await a.stop();
  await b.stop();
});

describe('merklekv-cli cluster', () => {
  it('prints both nodes, in sync (both empty)', async () => {
    const r = await runCli(['cluster', '--admin', admin]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^cli-a sees 2 nodes: 2 up, all in sync/);
    expect(lines.slice(1).find((l) => l.startsWith('cli-a '))).toMatch(/this node\s+0\s/);
    expect(lines.find((l) => l.startsWith('cli-b '))).toMatch(new RegExp(`127\\.0\\.0\\.1:${b.port}\\s+in sync\\s+0\\s`));
  });

  it('--json prints GET /cluster as it is', async () => {
    const r = await runCli(['--json', 'cluster', '--admin', admin]);
    expect(r.code).toBe(0);
    const view = JSON.parse(r.stdout) as { nodeId: string; nodes: Array<{ nodeId: string; up: boolean; sameRoot: boolean }> };
    expect(view.nodeId).toBe('cli-a');
    expect(view.nodes.map((n) => [n.nodeId, n.up, n.sameRoot])).toEqual([
      ['cli-a', true, true],
      ['cli-b', true, true],
    ]);
  });

  it('--watch --count 2 redraws once a second, then ends', async () => {
    const started = Date.now();
    const r = await runCli(['cluster', '--admin', admin, '--watch', '--count', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^cli-a sees 2 nodes/gm)).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('--watch ends cleanly on Ctrl-C (SIGINT), exit code 0', async () => {
    const child = spawn(process.execPath, [BIN, 'cluster', '--admin', admin, '--watch'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while ((stdout.match(/sees 2 nodes/g) ?? []).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect((stdout.match(/sees 2 nodes/g) ?? []).length).toBeGreaterThanOrEqual(2);
    child.kill('SIGINT');
    expect(await exit).toBe(0);
    expect(stderr).toBe('');
  });

  it('exit 3 when the admin listener cannot be reached, 2 on a usage error', async () => {
    const closed = await freePort();
    const r = await runCli(['cluster', '--admin', `127.0.0.1:${closed}`]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`127\\.0\\.0\\.1:${closed}: cannot reach the admin listener \\(ECONNREFUSED\\)`));
    const u = await runCli(['cluster']);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/--admin HOST:PORT/);
  });
});
