/**
 * The real `merklekv-cli` binary as a subprocess against a real node: every
 * command, each exit code, --json, import of 100,000 keys then export, and
 * interactive mode driven through stdin.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { freePort, spawnNode } from './__tests__/node-process.js';
import type { NodeProcess } from './__tests__/node-process.js';
import { runCli } from './__tests__/run-cli.js';
import type { CliResult } from './__tests__/run-cli.js';

jest.setTimeout(180_000);

let node: NodeProcess;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  node = await spawnNode({ nodeId: 'cli-a', antiEntropy: true });
  dir = mkdtempSync(join(tmpdir(), 'merklekv-cli-'));
  env = { MERKLEKV_HOST: '127.0.0.1', MERKLEKV_PORT: String(node.port), MERKLEKV_HISTORY: join(dir, 'history') };
});

afterAll(async () => {
  await node.stop();
  rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]): Promise<CliResult> => runCli(args, { env });

function readHistory(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n');
  } catch {
    return [];
  }
}

function ok(r: CliResult): string {
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  return r.stdout;
}

describe('every command', () => {
  it('set joins the words; get prints the value as stored or (null)', async () => {
    expect(ok(await cli('set', 'greeting', 'Hello', 'World'))).toBe('OK\n');
    const a = ok(await cli('get', 'greeting'));
    expect(ok(await cli('set', 'greeting', 'Hello World'))).toBe('OK\n');
    expect(ok(await cli('get', 'greeting'))).toBe(a);
    expect(a).toBe('Hello World\n');
    expect(ok(await cli('set', 'multi', 'line one\nline "two"\t end'))).toBe('OK\n');
    expect(ok(await cli('get', 'multi'))).toBe('line one\nline "two"\t end\n');
    expect(ok(await cli('get', 'no-such-key'))).toBe('(null)\n');
  });

  it('del/delete, incr/decr, append/prepend, exists', async () => {
    expect(ok(await cli('del', 'greeting'))).toBe('DELETED\n');
    expect(ok(await cli('delete', 'greeting'))).toBe('NOT_FOUND\n');
    expect(ok(await cli('incr', 'n'))).toBe('1\n');
    expect(ok(await cli('incr', 'n', '10'))).toBe('11\n');
    expect(ok(await cli('decr', 'n', '20'))).toBe('-9\n');
    expect(ok(await cli('decr', 'n'))).toBe('-10\n');
    expect(ok(await cli('append', 's', 'world'))).toBe('world\n');
    expect(ok(await cli('prepend', 's', 'hello', ''))).toBe('hello world\n');
    expect(ok(await cli('exists', 's', 'n', 'nope'))).toBe('2\n');
  });

  it('setex/psetex, expire forms, ttl/pttl, persist', async () => {
    expect(ok(await cli('setex', 'sess', '100', 'token', 'words'))).toBe('OK\n');
    expect(ok(await cli('get', 'sess'))).toBe('token words\n');
    // Each call is a new process (~0.5 s): the rounded seconds may have moved on.
    expect(Number(ok(await cli('ttl', 'sess')))).toBeGreaterThanOrEqual(95);
    expect(ok(await cli('psetex', 'lock', '60000', 'me'))).toBe('OK\n');
    expect(Number(ok(await cli('pttl', 'lock')))).toBeGreaterThan(50_000);
    expect(ok(await cli('expire', 'sess', '30'))).toBe('1\n');
    expect(ok(await cli('pexpire', 'sess', '40000'))).toBe('1\n');
    expect(ok(await cli('expireat', 'sess', String(Math.floor(Date.now() / 1000) + 300)))).toBe('1\n');
    expect(ok(await cli('pexpireat', 'sess', String(Date.now() + 200_000)))).toBe('1\n');
    expect(Number(ok(await cli('ttl', 'sess')))).toBeGreaterThanOrEqual(195);
    expect(ok(await cli('persist', 'sess'))).toBe('1\n');
    expect(ok(await cli('ttl', 'sess'))).toBe('-1\n');
    expect(ok(await cli('ttl', 'nope'))).toBe('-2\n');
    expect(ok(await cli('expire', 'nope', '5'))).toBe('0\n');
    const bad = await cli('setex', 'k', '0', 'v');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/time must be a positive integer, got '0'/);
  });

  it('mset, mget, scan, dbsize', async () => {
    expect(ok(await cli('mset', 'm:1', 'one', 'm:2', 'two words', 'm:3', ''))).toBe('OK\n');
    expect(ok(await cli('mget', 'm:1', 'm:2', 'm:3', 'm:4'))).toBe('1) one\n2) two words\n3) ""\n4) (null)\n');
    expect(ok(await cli('scan', 'm:'))).toBe('m:1 one\nm:2 two words\nm:3 ""\n');
    expect(ok(await cli('scan', 'm:', 'COUNT', '2'))).toBe('m:1 one\nm:2 two words\n(next cursor: m:2)\n');
    expect(ok(await cli('scan', 'm:', 'm:2'))).toBe('m:3 ""\n');
    expect(Number(ok(await cli('dbsize')))).toBeGreaterThanOrEqual(5);
  });

  it('ping, echo, version, info, stats', async () => {
    expect(ok(await cli('ping'))).toBe('PONG\n');
    expect(ok(await cli('ping', 'are', 'you', 'there'))).toBe('are you there\n');
    expect(ok(await cli('echo', 'hi', 'there'))).toBe('hi there\n');
    expect(ok(await cli('version'))).toMatch(/^MerkleKV \d+\.\d+\.\d+\n$/);
    const info = ok(await cli('info'));
    expect(info).toMatch(/^# Server Information\nversion:.*\n/);
    expect(info).toContain('node_id:cli-a');
    expect(ok(await cli('stats'))).toMatch(/^\w+:\S+$/m);
  });

  it('hash, tree, leaf, getv, putv', async () => {
    const [root, count, shape] = ok(await cli('hash')).trim().split(' ');
    expect(root).toMatch(/^[0-9a-f]+$/);
    expect(Number(count)).toBeGreaterThan(0);
    const [, fanout, depth] = /^f(\d+)d(\d+)/.exec(shape ?? '') ?? [];
    const children = JSON.parse(ok(await cli('--json', 'tree', '-'))) as string[];
    expect(children).toHaveLength(Number(fanout));
    // Walk to a non-empty leaf.
    const path: number[] = [];
    let level = children;
    for (;;) {
      const next = level.findIndex((h) => !/^0+$/.test(h));
      path.push(next);
      if (path.length === Number(depth)) break;
      level = JSON.parse(ok(await cli('--json', 'tree', path.join('.')))) as string[];
    }
    const leaf = ok(await cli('leaf', path.join('.')));
    const [key, digest] = leaf.split('\n')[0]?.split(' ') ?? [];
    expect(digest).toMatch(/^[0-9a-f]+$/);
    const getv = ok(await cli('getv', key ?? '', 'never-seen'));
    expect(getv).toMatch(new RegExp(`^${key} \\d+ cli-a [01] .*\\nnever-seen -\\n$`));
    expect(ok(await cli('putv', 'pv', '99999999999999', 'peer-x', '0', 'from', 'a', 'peer'))).toBe('APPLIED\n');
    expect(ok(await cli('putv', 'pv', '1', 'peer-x', '0', 'old'))).toBe('STALE\n');
    expect(ok(await cli('get', 'pv'))).toBe('from a peer\n');
  });

  it('sync with a second node', async () => {
    const peer = await spawnNode({ nodeId: 'cli-b' });
    try {
      expect(ok(await runCli(['--port', String(peer.port), 'set', 'on-b', 'only here'], { env }))).toBe('OK\n');
      expect(ok(await cli('sync', `127.0.0.1:${peer.port}`))).toMatch(/^OK round_trips=\d+ bytes=\d+ keys_pulled=\d+ keys_pushed=\d+ ms=\d+ mode=[a-z-]+\n$/);
      expect(ok(await cli('get', 'on-b'))).toBe('only here\n');
    } finally {
      await peer.stop();
    }
  });

  it('flush and shutdown', async () => {
    const peer = await spawnNode({ nodeId: 'cli-c' });
    try {
      const at = ['--port', String(peer.port)];
      ok(await runCli([...at, 'mset', 'a', '1', 'b', '2'], { env }));
      expect(ok(await runCli([...at, 'flush'], { env }))).toBe('OK\n');
      expect(ok(await runCli([...at, 'dbsize'], { env }))).toBe('0\n');
      expect(ok(await runCli([...at, 'shutdown'], { env }))).toBe('OK\n');
      expect(await peer.waitForExit(10_000)).toBe(true);
    } finally {
      await peer.stop();
    }
  });

  it('help lists every command and explains one', async () => {
    const all = ok(await cli('help'));
    for (const name of ['set', 'get', 'del', 'incr', 'mget', 'scan', 'hash', 'leaf', 'putv', 'sync', 'import', 'export']) {
      expect(all).toMatch(new RegExp(`^  ${name}(\\s|$)`, 'm'));
    }
    expect(ok(await cli('help', 'set'))).toContain('joined by single spaces');
  });
});

describe('exit codes and errors', () => {
  it('1 when the server answers ERROR, with one stderr line naming host:port', async () => {
    ok(await cli('set', 'word', 'abc'));
    const r = await cli('incr', 'word');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^merklekv-cli: 127\\.0\\.0\\.1:${node.port}: ERROR: .+\\n$`));
  });

  it('2 for usage errors, before connecting', async () => {
    for (const args of [['get'], ['frobnicate'], ['incr', 'k', 'x'], ['mset', 'a'], ['--port', 'abc', 'get', 'k'], ['--nope'], ['import'], ['get', 'a b'], ['import', '/no/such/file']]) {
      const r = await runCli(args, { env: { ...env, MERKLEKV_PORT: '1' } });
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr.split('\n')).toHaveLength(2);
    }
  });

  it('3 when nothing listens, and on a timeout', async () => {
    const port = await freePort();
    const r = await runCli(['get', 'k'], { env: { ...env, MERKLEKV_PORT: String(port) } });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`merklekv-cli: Cannot connect to 127.0.0.1:${port}: ECONNREFUSED\n`);
    const silent = net.createServer(() => undefined);
    await new Promise<void>((res) => silent.listen(0, '127.0.0.1', () => res()));
    const silentPort = (silent.address() as net.AddressInfo).port;
    try {
      const t = await runCli(['--port', String(silentPort), '--timeout', '300', 'get', 'k'], { env });
      expect(t.code).toBe(3);
      expect(t.stderr).toBe(`merklekv-cli: No reply from 127.0.0.1:${silentPort} within 300 ms\n`);
    } finally {
      silent.close();
    }
  });

  it('--host/--port override MERKLEKV_HOST/MERKLEKV_PORT', async () => {
    const r = await runCli(['--host', '127.0.0.1', '--port', String(node.port), 'ping'], { env: { ...env, MERKLEKV_PORT: '1' } });
    expect(ok(r)).toBe('PONG\n');
  });
});

describe('--json', () => {
  it('prints each result as JSON', async () => {
    ok(await cli('set', 'j', 'a "quoted"\nvalue'));
    expect(JSON.parse(ok(await cli('--json', 'get', 'j')))).toBe('a "quoted"\nvalue');
    expect(JSON.parse(ok(await cli('--json', 'get', 'missing')))).toBeNull();
    expect(JSON.parse(ok(await cli('--json', 'del', 'j')))).toBe(true);
    expect(JSON.parse(ok(await cli('--json', 'incr', 'jn', '9007199254740993')))).toBe(9007199254740993);
    expect(ok(await cli('--json', 'incr', 'jn', '0'))).toBe('9007199254740993\n');
    expect(JSON.parse(ok(await cli('--json', 'mget', 'jn', 'missing')))).toEqual(['9007199254740993', null]);
    const info = JSON.parse(ok(await cli('--json', 'info'))) as Record<string, Record<string, string>>;
    expect(info['Server Information']?.['node_id']).toBe('cli-a');
    expect(JSON.parse(ok(await cli('--json', 'hash')))).toMatchObject({ shape: expect.stringMatching(/^f\d+d\d+/) });
    expect(JSON.parse(ok(await cli('--json', 'scan', 'm:', 'COUNT', '1')))).toEqual({ entries: [{ key: 'm:1', value: 'one' }], cursor: 'm:1' });
  });
});

describe('import and export', () => {
  it('imports 100,000 keys pipelined, and export yields the same set', async () => {
    const file = join(dir, 'big.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i++) lines.push(JSON.stringify({ key: `bulk:${i}`, value: `value ${i} "q"\t${i % 7 === 0 ? 'ñ\n' : ''}` }));
    writeFileSync(file, `${lines.join('\n')}\n`);
    const imported = await runCli(['--json', 'import', file, '--concurrency', '512'], { env, timeoutMs: 170_000 });
    const summary = JSON.parse(ok(imported)) as { imported: number; failed: number; keysPerSecond: number; seconds: number };
    expect(summary).toMatchObject({ imported: 100_000, failed: 0 });
    process.stdout.write(`import of 100,000 keys: ${summary.seconds} s, ${summary.keysPerSecond} keys/s\n`);
    const exported = await runCli(['export', 'bulk:'], { env, timeoutMs: 170_000 });
    const out = ok(exported).trimEnd().split('\n');
    expect(out).toHaveLength(100_000);
    expect(new Set(out)).toEqual(new Set(lines));
  });

  it('CSV from stdin; a bad line is reported with its number and the import goes on (continue) or stops (stop)', async () => {
    const csv = 'key,value\ncsv:1,plain\ncsv:2,"with, comma and ""quotes"""\nno comma here\ncsv:3,after the bad line\n';
    const r = await runCli(['import', '-', '--format', 'csv'], { env, input: csv });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('line 4: expected key,value\n');
    expect(r.stdout).toMatch(/^imported 3 keys in .* 1 failed\n$/);
    expect(ok(await cli('get', 'csv:2'))).toBe('with, comma and "quotes"\n');
    expect(ok(await cli('get', 'csv:3'))).toBe('after the bad line\n');

    const jsonl = '{"key":"stop:1","value":"a"}\n{"key":"stop:2"}\n{"key":"stop:3","value":"c"}\n';
    const s = await runCli(['import', '-', '--on-error', 'stop'], { env, input: jsonl });
    expect(s.code).toBe(1);
    expect(s.stderr).toBe('line 2: "value" must be a string, a number or a boolean\n');
    expect(s.stdout).toMatch(/stopped at the first error/);
    expect(ok(await cli('get', 'stop:1'))).toBe('a\n');
    expect(ok(await cli('get', 'stop:3'))).toBe('(null)\n');
  });
});

describe('interactive mode through stdin', () => {
  it('runs the lines in order, keeps going after errors, exits with the worst line, and keeps piped lines out of the history', async () => {
    const script = ['set say "Hello   World"', 'get say', 'append say " !"', 'help get', 'mget say nope', 'incr say', 'bogus', 'info', 'quit', 'get say'].join('\n');
    const r = await runCli([], { env, input: `${script}\n` });
    // `incr say` got ERROR (1), `bogus` is a usage error (2): the worst is 2.
    expect(r.code).toBe(2);
    const out = r.stdout.split('\n');
    expect(out.slice(0, 8)).toEqual(['OK', 'Hello   World', 'Hello   World !', 'get key', '  Print the value of key as stored, or (null).', '  Sends: GET key (needs the read role). The value of a key, or nil.', '1) Hello   World !', '2) (null)']);
    expect(r.stdout).toMatch(new RegExp(`\\(error\\) 127\\.0\\.0\\.1:${node.port}: ERROR: .*\\n\\(error\\) unknown command 'bogus'`));
    expect(r.stdout).toContain('# Server Information');
    // Nothing after `quit` ran.
    expect(r.stdout.trimEnd().endsWith('Hello   World !')).toBe(false);
    expect((await runCli([], { env, input: 'ping\n' })).code).toBe(0);
    // Scripted lines are not something the user typed: they stay out of ~/.merklekv_history.
    const history = readHistory(env['MERKLEKV_HISTORY'] ?? '');
    expect(history).not.toContain('ping');
    expect(history).not.toContain('set say "Hello   World"');
  });
});
