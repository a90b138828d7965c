/**
 * The README's "A three-node cluster" section, run as written: the three
 * `npx nx serve node --config=configs/nodeN.toml` commands it lists (each in
 * a terminal of its own, here a pseudo-terminal), the `echo ... | nc` lines
 * with the replies their comments promise, then its prose: stop node 2
 * (Ctrl-C), write on node 1, start node 2 again, and node 2 has caught up.
 *
 * It uses the committed configs and so their fixed ports (7878-7880, and the
 * broker on 1883): it fails up front, naming the port, if one is taken.
 */
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { nc } from './harness/nc.js';
import { killAllNxServes, NxServe } from './harness/nx-serve.js';
import { REPO_ROOT } from './harness/paths.js';
import { waitFor } from './harness/wait.js';

afterEach(killAllNxServes);
afterAll(killAllNxServes);

/** One `echo 'LINE' | nc -q1 localhost PORT   # REPLY` line of the section. */
interface NcLine {
  readonly line: string;
  readonly port: number;
  /** The reply its comment promises (none: the command's reply is `OK`). */
  readonly reply: string;
}

/** The commands of the README's cluster section. */
function readmeCluster(): { serves: string[][]; ncLines: NcLine[]; prose: string } {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## A three-node cluster');
  if (start < 0) throw new Error('README.md has no "## A three-node cluster" section');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const serves: string[][] = [];
  const ncLines: NcLine[] = [];
  for (const raw of block.split('\n')) {
    const [command = '', comment] = raw.split(/\s+#\s*/, 2).map((part) => part.trim());
    if (command.startsWith('npx ')) serves.push(command.split(/\s+/).slice(1));
    const echo = /^echo '(.*)' \| nc -q1 localhost (\d+)$/.exec(command);
    if (echo) ncLines.push({ line: echo[1] as string, port: Number(echo[2]), reply: comment ?? 'OK' });
  }
  return { serves, ncLines, prose: section.slice(section.lastIndexOf('```') + 3) };
}

async function assertPortFree(port: number): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', () => reject(new Error(`port ${port} is taken: the README's cluster needs 7878-7880 and 1883 free`)));
    server.listen(port, '127.0.0.1', resolve);
  });
  await new Promise((resolve) => server.close(resolve));
}

/** GET `key` on `port` until it is not `(null)`. */
function eventually(port: number, key: string, timeoutMs: number): Promise<string> {
  return waitFor(
    `${key} on port ${port}`,
    async () => {
      const reply = await nc(port, `GET ${key}`);
      return reply === '(null)' ? undefined : reply;
    },
    { timeoutMs, intervalMs: 200 },
  );
}

describe("README's three-node cluster, as written", () => {
  it('starts with three `npx nx serve node`, replicates, and catches a restarted node up', async () => {
    const { serves, ncLines, prose } = readmeCluster();
    expect(serves).toEqual([1, 2, 3].map((n) => ['nx', 'serve', 'node', `--config=configs/node${n}.toml`]));
    expect(ncLines.length).toBeGreaterThanOrEqual(3);
    expect(prose).toMatch(/Stop node 2, write on node 1, start node 2 again/);
    for (const port of [7878, 7879, 7880, 1883]) await assertPortFree(port);

    const start = (index: number): NxServe =>
      new NxServe({ args: serves[index] as string[], terminal: true, folder: 'readme-cluster', name: `node-${index + 1}` });
    // Terminal 1 first (it hosts the broker), then 2 and 3.
    const node1 = start(0);
    await node1.waitListening();
    let node2 = start(1);
    const node3 = start(2);
    await Promise.all([node2.waitListening(), node3.waitListening()]);
    await Promise.all([node2, node3].map((node) => node.waitForOutput('"msg":"broker connected"', 30_000)));

    // The section's echo | nc lines: the write on node 1 is read on nodes 2 and 3.
    for (const { line, port, reply } of ncLines) {
      if (line.startsWith('GET ')) expect(await eventually(port, line.slice(4), 10_000)).toBe(reply);
      else expect(await nc(port, line)).toBe(reply);
    }

    // "Stop node 2" (Ctrl-C in its terminal: a clean exit), "write on node 1" ...
    node2.ctrlC();
    expect((await node2.waitExit()).code).toBe(0);
    await expect(nc(7879, 'PING', 2000)).rejects.toThrow();
    expect(await nc(7878, 'SET offline:test "written while node 2 was down"')).toBe('OK');
    expect(await eventually(7880, 'offline:test', 10_000)).toBe('written while node 2 was down');

    // ... "start node 2 again": it catches up (memory engine: it starts empty).
    node2 = start(1);
    await node2.waitListening();
    expect(await eventually(7879, 'offline:test', 30_000)).toBe('written while node 2 was down');
    expect(await eventually(7879, 'user:alice', 30_000)).toBe('Alice Johnson');

    for (const node of [node1, node2, node3]) node.ctrlC();
    for (const node of [node1, node2, node3]) expect((await node.waitExit()).code).toBe(0);
  }, 300_000);
});
