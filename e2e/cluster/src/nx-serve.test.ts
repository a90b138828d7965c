/**
 * `npx nx serve node` as a user runs it: several at once in one workspace,
 * the node's exit status is the one the user sees (a start failure is
 * non-zero, Ctrl-C on a clean node is 0), and a signal that ends the
 * launcher (`kill`, `timeout`, a supervisor) stops the node gracefully
 * instead of leaving it serving, orphaned.
 */
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { nc } from './harness/nc.js';
import { killAllNxServes, NxServe } from './harness/nx-serve.js';
import { LOG_ROOT, REPO_ROOT } from './harness/paths.js';
import { freePort } from './harness/ports.js';
import { waitFor } from './harness/wait.js';

afterEach(killAllNxServes);
afterAll(killAllNxServes);

const FOLDER = 'nx-serve';

/**
 * A standalone node's configuration (no broker, no anti-entropy) on `port`;
 * returns its path. With `logFile` the node logs there (Nx silences a task's
 * output once it is interrupted, so the node's last lines are read from the file).
 */
function standaloneConfig(name: string, port: number, logFile?: string): string {
  const dir = join(LOG_ROOT, FOLDER);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.toml`);
  const logging = logFile === undefined ? '' : `[logging]\nfile_path = "${logFile}"\n`;
  writeFileSync(file, `node_id = "${name}"\n[network]\nbind_port = ${port}\n[mqtt]\nbroker_address = "none"\n[anti_entropy]\nenabled = false\n[resp]\nenabled = false\n${logging}`);
  return file;
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function serve(name: string, config: string, terminal = false): NxServe {
  return new NxServe({ args: ['nx', 'serve', 'node', `--config=${config}`], terminal, folder: FOLDER, name });
}

/** The node's pid, from its `listening` log line. */
function nodePid(log: string): number {
  const match = /"pid":(\d+)[^\n]*"msg":"listening"/.exec(log);
  if (!match) throw new Error(`no pid in the listening line:\n${log.slice(-1000)}`);
  return Number(match[1]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npx nx serve node', () => {
  it('runs several nodes at once in one workspace', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const a = serve('twice-a', standaloneConfig('twice-a', p1));
    const b = serve('twice-b', standaloneConfig('twice-b', p2));
    await Promise.all([a.waitListening(), b.waitListening()]);
    expect(b.text()).not.toContain('in another nx process');
    expect(await nc(p1, 'PING')).toBe('PONG');
    expect(await nc(p2, 'PING')).toBe('PONG');
    a.signal('SIGTERM');
    b.signal('SIGTERM');
  }, 180_000);

  it('exits non-zero when the node cannot start (missing file, port in use)', async () => {
    const missing = serve('missing', join(LOG_ROOT, FOLDER, 'no-such-file.toml'));
    const exit = await missing.waitExit(90_000);
    expect(exit.code).toBe(1);
    expect(missing.text()).toContain('Cannot read config file');
    expect(missing.text()).not.toContain('Successfully ran target serve');

    const port = await freePort();
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    try {
      const taken = serve('taken', standaloneConfig('taken', port));
      expect((await taken.waitExit(90_000)).code).toBe(1);
      expect(taken.text()).toMatch(/port .*in use|EADDRINUSE/i);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  }, 180_000);

  it('Ctrl-C in a terminal stops a clean node gracefully and exits 0', async () => {
    const nxJson = readFileSync(join(REPO_ROOT, 'nx.json'), 'utf8');
    const port = await freePort();
    const node = serve('ctrl-c', standaloneConfig('ctrl-c', port), true);
    await node.waitListening();
    // In a terminal Nx asks "Share usage data?" unless the committed nx.json settles it (and rewrites nx.json).
    expect(node.text()).not.toContain('Share usage data');
    const pid = nodePid(node.text());
    node.ctrlC();
    const exit = await node.waitExit();
    expect(node.text()).toContain('"msg":"stopped"');
    expect(node.text()).not.toContain('Tasks stopped before they finished');
    expect(exit.code).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(readFileSync(join(REPO_ROOT, 'nx.json'), 'utf8')).toBe(nxJson);
  }, 180_000);

  it.each([
    ['SIGTERM', 'npx'],
    ['SIGHUP', 'npx'],
    ['SIGKILL', 'npx'],
    ['SIGTERM', 'group'],
    ['SIGINT', 'group'],
  ] as const)('%s to %s stops the node gracefully (no orphan keeps the port)', async (signal, target) => {
    const port = await freePort();
    const name = `signal-${signal}-${target}`;
    const logFile = join(LOG_ROOT, FOLDER, `${name}.node.log`);
    rmSync(logFile, { force: true });
    const node = serve(name, standaloneConfig(name, port, logFile));
    await waitFor(`${name} listening`, () => (readLog(logFile).includes('"msg":"listening"') ? true : undefined), { timeoutMs: 90_000 });
    const pid = nodePid(readLog(logFile));
    node.adopt(pid);
    if (target === 'npx') node.signal(signal);
    else node.signalGroup(signal);
    await node.waitExit();
    // The node logs its graceful stop, then is gone and its port free.
    await waitFor(`node pid ${pid} to exit`, () => (alive(pid) ? undefined : true), { timeoutMs: 15_000, intervalMs: 100 });
    expect(readLog(logFile)).toMatch(/"msg":"shutting down"/);
    expect(readLog(logFile)).toContain('"msg":"stopped"');
    await expect(nc(port, 'PING', 2000)).rejects.toThrow();
  }, 180_000);
});
