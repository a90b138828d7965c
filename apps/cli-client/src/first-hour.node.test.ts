/**
 * merklekv-cli with redis-cli habits (issue #13): `-h HOST -p PORT`,
 * `--version`, a clear "could not connect", piped-mode exit codes, a closed
 * stdout, `export --count`, `backup`, `auth`, `del` of several keys, typed
 * `--json`, JSONL numbers, a clean `--help`, and in-session `help`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { freePort, spawnNode } from './__tests__/node-process.js';
import type { NodeProcess } from './__tests__/node-process.js';
import { BIN, REPO_ROOT, runCli } from './__tests__/run-cli.js';

jest.setTimeout(120_000);

let node: NodeProcess;
let secured: NodeProcess;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'merklekv-cli-first-hour-'));
  node = await spawnNode({ nodeId: 'first-hour', antiEntropy: true, extraToml: '[storage]\ndata_dir = "{dir}/data"\n' });
  secured = await spawnNode({ nodeId: 'secured', extraToml: '[security]\npassword = "open-sesame-123"\n' });
});

afterAll(async () => {
  await node.stop();
  await secured.stop();
  rmSync(dir, { recursive: true, force: true });
});

const env = (): Record<string, string> => ({ MERKLEKV_HISTORY: join(dir, 'history') });
const at = (...args: string[]): string[] => ['-h', '127.0.0.1', '-p', String(node.port), ...args];

describe('command line', () => {
  it('-h HOST -p PORT as in redis-cli; -h alone and --help print the help', async () => {
    expect(await runCli(at('ping'), { env: env() })).toEqual({ code: 0, stdout: 'PONG\n', stderr: '' });
    const bare = await runCli(['-h'], { env: env() });
    expect(bare.code).toBe(0);
    expect(bare.stdout).toMatch(/^usage: merklekv-cli/);
  });

  it('--help lists every connection option, TLS and AUTH included, one per line', async () => {
    const help = (await runCli(['--help'], { env: env() })).stdout;
    for (const option of ['-h, --host HOST', '-p, --port PORT', '--tls', '--cacert FILE', '--cert FILE --key FILE', '--user USER', '--password PASSWORD', '--version']) {
      expect(help).toMatch(new RegExp(`^  ${option.replace(/[-.]/g, '\\$&')}\\s{2,}\\S`, 'm'));
    }
  });

  it('--version', async () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'apps/cli-client/package.json'), 'utf8')) as { version: string };
    expect(await runCli(['--version'], { env: env() })).toEqual({ code: 0, stdout: `merklekv-cli ${pkg.version}\n`, stderr: '' });
  });
});

describe('interactive mode', () => {
  it('on a terminal, a dead port says it could not connect (exit 3), never "Connected"', async () => {
    const dead = await freePort();
    const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn('script', ['-qfec', `${process.execPath} ${BIN} -p ${dead}`, '/dev/null'], { cwd: REPO_ROOT, env: { ...process.env, ...env() } });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.once('close', (code) => resolve({ code, out }));
      setTimeout(() => child.kill('SIGKILL'), 60_000).unref();
    });
    expect(result.out).toMatch(/merklekv-cli: Cannot connect to 127\.0\.0\.1:\d+ after \d+ attempts: ECONNREFUSED/);
    expect(result.out).not.toMatch(/Connected to/);
    expect(result.code).toBe(3);
  });

  it('piped: the exit code is the worst line (3 when the node is unreachable)', async () => {
    const dead = await freePort();
    expect((await runCli(['-p', String(dead)], { env: env(), input: 'ping\n' })).code).toBe(3);
    expect((await runCli(at(), { env: env(), input: 'ping\nincr nope-not-a-number-key x\n' })).code).toBe(2);
    expect((await runCli(at(), { env: env(), input: 'set s text\nincr s\nping\n' })).code).toBe(1);
    expect((await runCli(at(), { env: env(), input: 'ping\n' })).code).toBe(0);
  });

  it('help inside the session shows the commands and how to leave, not command-line options or exit codes', async () => {
    const r = await runCli(at(), { env: env(), input: 'help\n' });
    expect(r.stdout).toMatch(/^Commands:/);
    expect(r.stdout).toMatch(/quit/);
    expect(r.stdout).not.toMatch(/Exit codes|usage: merklekv-cli|--tls/);
  });
});

describe('commands', () => {
  it('del several keys (and DEL k1 k2 on the wire); del of one key as before', async () => {
    expect((await runCli(at('mset', 'd1', 'x', 'd2', 'y'), { env: env() })).stdout).toBe('OK\n');
    expect(await runCli(at('del', 'd1', 'd2', 'd3'), { env: env() })).toEqual({ code: 0, stdout: '2\n', stderr: '' });
    expect((await runCli(at('set', 'd4', 'z'), { env: env() })).stdout).toBe('OK\n');
    expect((await runCli(at('del', 'd4'), { env: env() })).stdout).toBe('DELETED\n');
    expect((await runCli(at('del', 'd4'), { env: env() })).stdout).toBe('NOT_FOUND\n');
  });

  it('backup prints the folder it wrote', async () => {
    const r = await runCli(at('backup'), { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^OK .*backups\/backup-\d{8}T\d{9}Z\n$/);
    const json = await runCli(at('--json', 'backup'), { env: env() });
    expect(JSON.parse(json.stdout)).toEqual({ path: expect.stringMatching(/backups\/backup-/) });
  });

  it('auth authenticates the session', async () => {
    const to = ['-p', String(secured.port)];
    expect((await runCli(to, { env: env(), input: 'auth open-sesame-123\nset a 1\nget a\n' })).stdout).toBe('OK\nOK\n1\n');
    const wrong = await runCli(to, { env: env(), input: 'auth wrong-password\nget a\n' });
    expect(wrong.code).toBe(1);
  });

  it('export --count N exports at most N keys; a closed stdout ends quietly with 0', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ key: `exp:${String(i).padStart(5, '0')}`, value: `v${i}` })).join('\n');
    expect((await runCli(at('import', '-'), { env: env(), input: `${lines}\n` })).code).toBe(0);
    const three = await runCli(at('export', 'exp:', '--count', '3'), { env: env() });
    expect(three.stdout.trimEnd().split('\n')).toHaveLength(3);
    // `merklekv-cli export | head -n 1`: the reader closes the pipe after one line.
    const headed = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, ...at('export')], { cwd: REPO_ROOT, env: { ...process.env, ...env() }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.once('data', () => child.stdout.destroy());
      child.once('close', (code) => resolve({ code, stderr }));
    });
    expect(headed).toEqual({ code: 0, stderr: '' });
  });

  it('--json: info and stats numbers are numbers, sync is an object', async () => {
    const info = JSON.parse((await runCli(at('--json', 'info'), { env: env() })).stdout) as Record<string, Record<string, unknown>>;
    expect(typeof info['Server Information']?.['total_keys']).toBe('number');
    expect(typeof info['Server Information']?.['node_id']).toBe('string');
    const stats = JSON.parse((await runCli(at('--json', 'stats'), { env: env() })).stdout) as Record<string, unknown>;
    expect(Object.values(stats).some((v) => typeof v === 'number')).toBe(true);
    expect(Object.values(stats).every((v) => typeof v !== 'string' || !/^\d+$/.test(v))).toBe(true);
    const syncNode = await runCli(at('--json', 'sync', `127.0.0.1:${node.port}`), { env: env() });
    expect(syncNode.code).toBe(0);
    expect(JSON.parse(syncNode.stdout)).toEqual({ round_trips: expect.any(Number), bytes: expect.any(Number), keys_pulled: expect.any(Number), keys_pushed: expect.any(Number), ms: expect.any(Number), mode: expect.any(String) });
  });

  it('import stores a JSONL number or boolean as its text', async () => {
    const r = await runCli(at('import', '-', '--format', 'jsonl'), { env: env(), input: '{"key":"num","value":42}\n{"key":"flag","value":false}\n' });
    expect(r.code).toBe(0);
    expect((await runCli(at('mget', 'num', 'flag'), { env: env() })).stdout).toBe('1) 42\n2) false\n');
  });
});
