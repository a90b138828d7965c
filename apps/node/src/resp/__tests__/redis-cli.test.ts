/**
 * redis-cli (Debian redis-tools) against a running node's RESP port: every
 * command the port offers, with its errors and nils, as a user types them.
 */
import { jest } from '@jest/globals';
import { connect } from 'node:net';
import { RESP_COMMANDS } from '@merklekv/protocol';
import type { RunningNode } from '../../node.js';
import { LineClient, startTestNode } from '../../__tests__/harness.js';
import { RESP_HANDLERS } from '../dispatch.js';
import { redisCli, redisCliSession, run } from './redis-tools.js';

// Real clients as child processes on a shared, loaded machine: generous bounds, not speed claims.
jest.setTimeout(90_000);

let node: RunningNode;
let port: number;
const cli = (...args: string[]) => redisCli(port, args);

beforeAll(async () => {
  node = await startTestNode({}, 'resp-cli');
  port = node.respPort as number;
});
afterAll(() => node.stop());

describe('redis-cli: strings', () => {
  it.each([
    [['SET', 's:k', 'v'], 'OK'],
    [['GET', 's:k'], '"v"'],
    [['GET', 's:missing'], '(nil)'],
    [['SET', 's:k', 'w', 'NX'], '(nil)'],
    [['SET', 's:k', 'w', 'XX'], 'OK'],
    [['SET', 's:new', 'w', 'XX'], '(nil)'],
    [['SET', 's:k', 'x', 'GET'], '"w"'],
    [['SET', 's:k2', 'y', 'NX', 'GET'], '(nil)'],
    [['SET', 's:k', 'v', 'NX', 'XX'], '(error) ERR syntax error'],
    [['SET', 's:k'], "(error) ERR wrong number of arguments for 'set' command"],
    [['SET', 'bad key', 'v'], "(error) ERR SET key must not contain a space, got 'bad key'"],
    [['SETNX', 's:nx', 'a'], '(integer) 1'],
    [['SETNX', 's:nx', 'b'], '(integer) 0'],
    [['GETSET', 's:nx', 'c'], '"a"'],
    [['GETSET', 's:gs', 'c'], '(nil)'],
    [['GETDEL', 's:gs'], '"c"'],
    [['GETDEL', 's:gs'], '(nil)'],
    [['GETEX', 's:nx'], '"c"'],
    [['MSET', 's:a', '1', 's:b', '2'], 'OK'],
    [['MSET', 's:a', '1', 's:b'], "(error) ERR wrong number of arguments for 'mset' command"],
    [['MGET', 's:a', 's:b', 's:none'], '1) "1"\n2) "2"\n3) (nil)'],
    [['MSETNX', 's:a', '9', 's:c', '3'], '(integer) 0'],
    [['MSETNX', 's:c', '3', 's:d', '4'], '(integer) 1'],
    [['STRLEN', 's:c'], '(integer) 1'],
    [['STRLEN', 's:none'], '(integer) 0'],
    [['APPEND', 's:c', 'xy'], '(integer) 3'],
    [['PREPEND', 's:c', 'z'], '(integer) 4'],
    [['GET', 's:c'], '"z3xy"'],
    [['INCR', 's:n'], '(integer) 1'],
    [['DECR', 's:n'], '(integer) 0'],
    [['INCRBY', 's:n', '10'], '(integer) 10'],
    [['DECRBY', 's:n', '3'], '(integer) 7'],
    [['INCRBY', 's:n', 'x'], '(error) ERR value is not an integer or out of range'],
    [['INCR', 's:c'], '(error) ERR value is not an integer or out of range'],
    [['INCRBY', 's:n', '9223372036854775807'], '(error) ERR increment or decrement would overflow'],
    [['INCRBYFLOAT', 's:f', '1.5'], '"1.5"'],
    [['INCRBYFLOAT', 's:f', '-0.25'], '"1.25"'],
    [['INCRBYFLOAT', 's:f', 'abc'], '(error) ERR value is not a valid float'],
  ])('%j → %s', async (args, expected) => {
    expect(await cli(...args)).toEqual(expected);
  });
});

describe('redis-cli: keys', () => {
  beforeAll(async () => {
    await cli('MSET', 'k:1', 'a', 'k:2', 'b', 'k:3', 'c', 'other', 'd');
  });

  it.each([
    [['EXISTS', 'k:1', 'k:1', 'k:none'], '(integer) 2'],
    [['TYPE', 'k:1'], 'string'],
    [['TYPE', 'k:none'], 'none'],
    [['KEYS', 'k:*'], '1) "k:1"\n2) "k:2"\n3) "k:3"'],
    [['KEYS', 'k:[12]'], '1) "k:1"\n2) "k:2"'],
    [['KEYS', 'nothing*'], '(empty array)'],
    [['SCAN', '0', 'MATCH', 'k:*', 'TYPE', 'hash'], '1) "0"\n2) (empty array)'],
    [['SCAN', '0', 'COUNT', 'x'], '(error) ERR value is not an integer or out of range'],
    [['SCAN', '123'], expect.stringMatching(/^\(error\) ERR invalid cursor '123' \(unknown, or forgotten/)],
    [['DEL', 'k:2', 'bad key'], "(error) ERR DEL key must not contain a space, got 'bad key'"],
    [['EXISTS', 'k:2'], '(integer) 1'],
    [['DEL', 'k:3', 'k:none'], '(integer) 1'],
    [['UNLINK', 'k:3'], '(integer) 0'],
    [['GET', 'k:3'], '(nil)'],
  ])('%j → %s', async (args, expected) => {
    expect(await cli(...args)).toEqual(expected);
  });

  it('walks every key exactly once with SCAN, page by page', async () => {
    const seen: string[] = [];
    let cursor = '0';
    let pages = 0;
    do {
      const lines = (await cli('SCAN', cursor, 'MATCH', 'k:*', 'COUNT', '1')).split('\n');
      cursor = (lines[0] as string).replace(/^1\) "(.*)"$/, '$1');
      for (const line of lines.slice(1)) {
        const key = /"(k:[^"]+)"$/.exec(line)?.[1];
        if (key !== undefined) seen.push(key);
      }
      pages++;
    } while (cursor !== '0' && pages < 50);
    expect(seen.sort()).toEqual(['k:1', 'k:2']);
    expect(pages).toBeGreaterThanOrEqual(2);
  });

  it("redis-cli --scan iterates with the node's integer cursors", async () => {
    const out = await redisCli(port, [], ['--scan', '--pattern', 'k:*']);
    expect(out.split('\n').sort()).toEqual(['"k:1"', '"k:2"']);
  });

  it('counts keys and picks a random one', async () => {
    const size = Number((await cli('DBSIZE')).replace('(integer) ', ''));
    expect(size).toBe(node.store.size);
    expect(await cli('RANDOMKEY')).toMatch(/^".+"$/);
  });
});

describe('redis-cli: server and connection', () => {
  it('PING, ECHO, VERSION, TIME, HASH', async () => {
    expect(await cli('PING')).toBe('PONG');
    expect(await cli('PING', 'hi')).toBe('"hi"');
    expect(await cli('ECHO', 'hello world')).toBe('"hello world"');
    expect(await cli('VERSION')).toBe('"MerkleKV 1.0.0"');
    const [seconds, micros] = (await cli('TIME')).split('\n').map((l) => Number(/"(\d+)"/.exec(l)?.[1]));
    expect(Math.abs((seconds as number) - Date.now() / 1000)).toBeLessThan(60);
    expect(micros).toBeLessThan(1_000_000);
    const hash = (await cli('HASH')).split('\n');
    expect(hash[0]).toBe(`1) "${node.store.tree.rootHex()}"`);
    expect(hash[1]).toBe(`2) (integer) ${node.store.recordCount}`);
  });

  it('INFO says what it emulates, loading:0, role:master and the keyspace', async () => {
    const info = await run('redis-cli', ['-p', String(port), 'INFO']);
    expect(info.stdout).toMatch(/redis_version:7\.2\.0\r?\n/);
    expect(info.stdout).toMatch(/loading:0/);
    expect(info.stdout).toMatch(/role:master/);
    expect(info.stdout).toMatch(new RegExp(`db0:keys=${node.store.size},expires=${node.store.keysWithExpiry}`));
    expect(info.stdout).toMatch(/# MerkleKV RESP/);
    expect((await cli('INFO', 'replication')).split(/\r?\n/)).toEqual(['# Replication', 'role:master', 'connected_slaves:0']);
  });

  it('SELECT 0 only', async () => {
    expect(await cli('SELECT', '0')).toBe('OK');
    expect(await cli('SELECT', '1')).toBe('(error) ERR DB index is out of range (MerkleKV has one database, 0)');
  });

  it('CLIENT SETNAME, GETNAME, ID, SETINFO, INFO on one connection', async () => {
    const out = await redisCliSession(port, ['CLIENT GETNAME', 'CLIENT SETNAME app-1', 'CLIENT GETNAME', 'CLIENT ID', 'CLIENT SETINFO lib-name mylib', 'CLIENT INFO', 'CLIENT SETNAME "a b"', 'CLIENT KILL x']);
    expect(out[0]).toBe('(nil)');
    expect(out[1]).toBe('OK');
    expect(out[2]).toBe('"app-1"');
    expect(out[3]).toMatch(/^\(integer\) \d+$/);
    expect(out[4]).toBe('OK');
    expect(out[5]).toMatch(/^id=\d+ addr=127\.0\.0\.1:\d+ .*name=app-1 db=0 .*resp=2 lib-name=mylib/);
    expect(out[6]).toBe('(error) ERR Client names cannot contain spaces, newlines or special characters.');
    expect(out[7]).toMatch(/^\(error\) ERR unknown subcommand 'KILL'/);
  });

  it('COMMAND COUNT, INFO and DOCS read the command table', async () => {
    expect(await cli('COMMAND', 'COUNT')).toBe(`(integer) ${RESP_COMMANDS.size}`);
    const getInfo = await cli('COMMAND', 'INFO', 'get', 'nosuch');
    expect(getInfo).toMatch(/^1\) +1\) "get"\n +2\) \(integer\) 2\n +3\) 1\) readonly\n/);
    expect(getInfo).toMatch(/2\) \(nil\)$/);
    const docs = await cli('COMMAND', 'DOCS', 'mset');
    expect(docs).toContain('"Set several keys at once."');
    expect(docs).toContain('"MSET key value [key value ...]"');
    expect((await cli('COMMAND')).match(/^ *\d+\) +1\) "[a-z]+"$/gm)?.length).toBe(RESP_COMMANDS.size);
  });

  it('has a handler for every RESP row of the table and no other', () => {
    expect(Object.keys(RESP_HANDLERS).sort()).toEqual([...RESP_COMMANDS.keys()].sort());
  });

  it('CONFIG GET answers the probed settings honestly; CONFIG SET is refused', async () => {
    expect(await cli('CONFIG', 'GET', 'maxclients')).toBe('1) "maxclients"\n2) "1000"');
    expect(await cli('CONFIG', 'GET', 'save')).toBe('1) "save"\n2) ""');
    expect(await cli('CONFIG', 'GET', 'max*')).toBe('1) "maxclients"\n2) "1000"\n3) "maxmemory"\n4) "0"\n5) "maxmemory-policy"\n6) "noeviction"');
    expect(await cli('CONFIG', 'SET', 'maxclients', '5')).toMatch(/^\(error\) ERR CONFIG SET is not supported: MerkleKV reads its settings from its TOML file/);
  });

  it('AUTH without configured passwords answers as Redis does', async () => {
    expect(await cli('AUTH', 'pw')).toBe('(error) ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
  });

  it('HELLO 2/3, RESET and QUIT', async () => {
    expect(await redisCliSession(port, ['HELLO 3 SETNAME h1', 'CLIENT GETNAME', 'GET s:missing', 'RESET', 'CLIENT GETNAME'])).toEqual([
      '1# "server" => "merklekv"',
      expect.stringMatching(/^2# "version" => "7\.2\.0"$/),
      '3# "proto" => (integer) 3',
      expect.stringMatching(/^4# "id" => \(integer\) \d+$/),
      '5# "mode" => "standalone"',
      '6# "role" => "master"',
      '7# "modules" => (empty array)',
      '"h1"',
      '(nil)',
      'RESET',
      '(nil)',
    ]);
    expect(await cli('HELLO', '4')).toBe('(error) NOPROTO unsupported protocol version');
    // redis-cli handles QUIT itself: a raw connection shows the server's side.
    const socket = connect({ host: '127.0.0.1', port });
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.write('*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n');
    await new Promise((resolve) => socket.on('close', resolve));
    expect(Buffer.concat(received).toString()).toBe('+OK\r\n');
  });

  it('refuses transactions, scripts and pub/sub saying why; unknown commands as Redis does', async () => {
    expect(await cli('MULTI')).toMatch(/^\(error\) ERR MULTI is not supported: MerkleKV replicates every write on its own/);
    expect(await redisCliSession(port, ['MULTI', 'SET tx 1', 'EXEC', 'GET tx'])).toEqual([
      expect.stringMatching(/^\(error\) ERR MULTI is not supported/),
      '(error) ERR SET not run: this connection sent MULTI, which MerkleKV does not support; send DISCARD or EXEC to leave it',
      expect.stringMatching(/^\(error\) ERR EXEC is not supported/),
      '(nil)',
    ]);
    expect(await cli('WATCH', 'k')).toMatch(/^\(error\) ERR WATCH is not supported/);
    expect(await cli('EVAL', 'return 1', '0')).toMatch(/^\(error\) ERR EVAL is not supported: MerkleKV runs no server-side scripts/);
    expect(await cli('PUBLISH', 'ch', 'm')).toMatch(/^\(error\) ERR PUBLISH is not supported: MerkleKV offers no pub\/sub/);
    expect(await cli('SUBSCRIBE', 'ch')).toMatch(/ERR SUBSCRIBE is not supported/);
    expect(await cli('HSET', 'h', 'f', 'v')).toBe("(error) ERR unknown command 'HSET', with args beginning with: 'h' 'f' 'v'");
    expect(await cli('PUTV', 'k', '1', 'n', '0', 'v')).toMatch(/^\(error\) ERR unknown command 'PUTV'/);
  });

  it('RESP3 (-3): nil, maps and doubles where they apply', async () => {
    expect(await redisCli(port, ['GET', 's:missing'], ['-3'])).toBe('(nil)');
    expect(await redisCli(port, ['CONFIG', 'GET', 'databases'], ['-3'])).toBe('1# "databases" => "1"');
  });

  it('keeps values binary-safe: bytes in, the same bytes out', async () => {
    const bytes = Buffer.from([0x00, 0xff, 0xfe, 0x0d, 0x0a, 0xc3, 0xa9, 0x80, 0x20]);
    await run('redis-cli', ['-p', String(port), '-x', 'SET', 'bin'], bytes);
    const raw = await new Promise<Buffer>((resolve, reject) => {
      import('node:child_process').then(({ execFile }) =>
        execFile('redis-cli', ['-p', String(port), '--raw', 'GET', 'bin'], { encoding: 'buffer' }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
      );
    });
    expect(raw.subarray(0, bytes.length).equals(bytes)).toBe(true);
    expect(await cli('STRLEN', 'bin')).toBe(`(integer) ${bytes.length}`);
  });

  it('writes seen on the text port, and the other way round', async () => {
    await cli('SET', 'both', 'héllo wörld');
    const text = await LineClient.open(node.port);
    expect(await text.call('GET both')).toBe('héllo wörld');
    expect(await text.call('SET fromtext "two\\nlines"')).toBe('OK');
    text.close();
    expect(await cli('GET', 'fromtext')).toBe('"two\\nlines"');
  });

  it('FLUSHDB and FLUSHALL empty the store', async () => {
    expect(await cli('FLUSHDB')).toBe('OK');
    expect(await cli('DBSIZE')).toBe('(integer) 0');
    await cli('SET', 'again', '1');
    expect(await cli('FLUSHALL', 'ASYNC')).toBe('OK');
    expect(await cli('DBSIZE')).toBe('(integer) 0');
    expect(await cli('RANDOMKEY')).toBe('(nil)');
    expect(await cli('FLUSHDB', 'LATER')).toBe('(error) ERR syntax error');
  });
});
