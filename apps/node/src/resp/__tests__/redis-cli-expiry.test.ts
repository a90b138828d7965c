/**
 * redis-cli against a running node's RESP port: key expiry (SET's EX, PX,
 * EXAT, PXAT and KEEPTTL, GETEX, SETEX, PSETEX, the EXPIRE family with
 * NX/XX/GT/LT, TTL, PTTL, PERSIST), with Redis' errors and nils, and the
 * same expiries seen on the text port.
 */
import { jest } from '@jest/globals';
import type { RunningNode } from '../../node.js';
import { LineClient, startTestNode } from '../../__tests__/harness.js';
import { redisCli } from './redis-tools.js';

// Real clients as child processes on a shared, loaded machine: generous bounds, not speed claims.
jest.setTimeout(90_000);

let node: RunningNode;
let port: number;
const cli = (...args: string[]) => redisCli(port, args);

/** The integer redis-cli printed, or NaN. */
async function integer(...args: string[]): Promise<number> {
  const out = await cli(...args);
  const m = /^\(integer\) (-?\d+)$/.exec(out);
  if (m === null) throw new Error(`expected an integer from ${args.join(' ')}, got ${out}`);
  return Number(m[1]);
}

/** Checks a TTL in seconds is within (0, max] (a loaded machine may take a while between calls). */
async function expectTtl(key: string, max: number): Promise<void> {
  const ttl = await integer('TTL', key);
  expect(ttl).toBeGreaterThan(max - 30);
  expect(ttl).toBeLessThanOrEqual(max);
  const pttl = await integer('PTTL', key);
  expect(pttl).toBeGreaterThan((max - 30) * 1000);
  expect(pttl).toBeLessThanOrEqual(max * 1000);
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  node = await startTestNode({}, 'resp-cli-expiry');
  port = node.respPort as number;
});
afterAll(() => node.stop());

describe('redis-cli: SET with expiry', () => {
  it('EX, PX, EXAT and PXAT set a TTL; a plain SET clears it; KEEPTTL keeps it', async () => {
    expect(await cli('SET', 'x:k', 'v', 'EX', '100')).toBe('OK');
    await expectTtl('x:k', 100);
    expect(await cli('SET', 'x:k', 'v', 'PX', '200000')).toBe('OK');
    await expectTtl('x:k', 200);
    expect(await cli('SET', 'x:k', 'v', 'EXAT', String(nowSeconds() + 300))).toBe('OK');
    await expectTtl('x:k', 301);
    expect(await cli('SET', 'x:k', 'v', 'PXAT', String(Date.now() + 400_000))).toBe('OK');
    await expectTtl('x:k', 400);
    expect(await cli('SET', 'x:k', 'w', 'KEEPTTL')).toBe('OK');
    await expectTtl('x:k', 400);
    expect(await cli('GET', 'x:k')).toBe('"w"');
    expect(await cli('SET', 'x:k', 'plain')).toBe('OK');
    expect(await cli('TTL', 'x:k')).toBe('(integer) -1');
    expect(await cli('SET', 'x:k', 'v', 'KEEPTTL')).toBe('OK');
    expect(await cli('TTL', 'x:k')).toBe('(integer) -1');
    // A repeated option is allowed, as in Redis: the last time counts.
    expect(await cli('SET', 'x:k', 'v', 'NX', 'NX', 'GET', 'GET')).toBe('"v"');
    expect(await cli('SET', 'x:k', 'v', 'GET', 'EX', '10', 'EX', '100', 'XX', 'XX')).toBe('"v"');
    await expectTtl('x:k', 100);
  });

  it('combines the expiry with NX, XX and GET', async () => {
    expect(await cli('SET', 'x:c', 'a', 'NX', 'EX', '100')).toBe('OK');
    await expectTtl('x:c', 100);
    expect(await cli('SET', 'x:c', 'b', 'NX', 'EX', '500')).toBe('(nil)');
    await expectTtl('x:c', 100);
    expect(await cli('SET', 'x:c', 'b', 'XX', 'GET', 'PX', '500000')).toBe('"a"');
    await expectTtl('x:c', 500);
    expect(await cli('SET', 'x:none', 'b', 'XX', 'EX', '10')).toBe('(nil)');
    expect(await cli('EXISTS', 'x:none')).toBe('(integer) 0');
    expect(await cli('SET', 'x:none', 'b', 'GET', 'EX', '10')).toBe('(nil)');
    await expectTtl('x:none', 10);
    expect(await cli('set', 'x:c', 'c', 'ex', '50', 'get', 'xx')).toBe('"b"');
    await expectTtl('x:c', 50);
  });

  it('a time already past deletes the key', async () => {
    expect(await cli('SET', 'x:past', 'v', 'EXAT', '1')).toBe('OK');
    expect(await cli('GET', 'x:past')).toBe('(nil)');
    expect(await cli('TTL', 'x:past')).toBe('(integer) -2');
  });

  it.each([
    [['SET', 'x:e', 'v', 'EX', '0'], "(error) ERR invalid expire time in 'set' command"],
    [['SET', 'x:e', 'v', 'PX', '-5'], "(error) ERR invalid expire time in 'set' command"],
    [['SET', 'x:e', 'v', 'EXAT', '0'], "(error) ERR invalid expire time in 'set' command"],
    [['SET', 'x:e', 'v', 'EX', '9223372036854775807'], "(error) ERR invalid expire time in 'set' command"],
    [['SET', 'x:e', 'v', 'EX', 'ten'], '(error) ERR value is not an integer or out of range'],
    [['SET', 'x:e', 'v', 'PX', '1.5'], '(error) ERR value is not an integer or out of range'],
    [['SET', 'x:e', 'v', 'EX', '10', 'PX', '100'], '(error) ERR syntax error'],
    [['SET', 'x:e', 'v', 'EX', '10', 'KEEPTTL'], '(error) ERR syntax error'],
    [['SET', 'x:e', 'v', 'KEEPTTL', 'PXAT', '10'], '(error) ERR syntax error'],
    [['SET', 'x:e', 'v', 'EX'], '(error) ERR syntax error'],
    [['SET', 'x:e', 'v', 'PERSIST'], '(error) ERR syntax error'],
    [['SET', 'x:e', 'v', 'NX', 'XX', 'EX', '1'], '(error) ERR syntax error'],
    [['SET', 'x:e', 'v', 'NX', 'GET', 'EX', '10', 'PX', '5'], '(error) ERR syntax error'],
    [['SET', 'x:e', 'v', 'EX', '10', 'EX'], '(error) ERR syntax error'],
  ])('%j → %s, and writes nothing', async (args, expected) => {
    expect(await cli(...args)).toBe(expected);
    expect(await cli('EXISTS', 'x:e')).toBe('(integer) 0');
  });
});

describe('redis-cli: GETEX', () => {
  it('returns the value and sets, changes or removes its expiry; nil for a missing key', async () => {
    await cli('SET', 'g:k', 'v');
    expect(await cli('GETEX', 'g:k')).toBe('"v"');
    expect(await cli('TTL', 'g:k')).toBe('(integer) -1');
    expect(await cli('GETEX', 'g:k', 'EX', '100')).toBe('"v"');
    await expectTtl('g:k', 100);
    expect(await cli('GETEX', 'g:k', 'PX', '200000')).toBe('"v"');
    await expectTtl('g:k', 200);
    expect(await cli('GETEX', 'g:k', 'EXAT', String(nowSeconds() + 300))).toBe('"v"');
    await expectTtl('g:k', 301);
    expect(await cli('GETEX', 'g:k', 'PXAT', String(Date.now() + 400_000))).toBe('"v"');
    await expectTtl('g:k', 400);
    expect(await cli('GETEX', 'g:k', 'PERSIST')).toBe('"v"');
    expect(await cli('TTL', 'g:k')).toBe('(integer) -1');
    expect(await cli('GETEX', 'g:missing', 'EX', '10')).toBe('(nil)');
    expect(await cli('EXISTS', 'g:missing')).toBe('(integer) 0');
    expect(await cli('GETEX', 'g:k', 'PXAT', '1')).toBe('"v"');
    expect(await cli('GET', 'g:k')).toBe('(nil)');
  });

  it.each([
    [['GETEX', 'g:k', 'EX', '0'], "(error) ERR invalid expire time in 'getex' command"],
    [['GETEX', 'g:k', 'EX', 'x'], '(error) ERR value is not an integer or out of range'],
    [['GETEX', 'g:k', 'EX', '10', 'PERSIST'], '(error) ERR syntax error'],
    [['GETEX', 'g:k', 'PERSIST', 'PX', '10'], '(error) ERR syntax error'],
    [['GETEX', 'g:k', 'NX'], '(error) ERR syntax error'],
    [['GETEX', 'g:k', 'KEEPTTL'], '(error) ERR syntax error'],
    [['GETEX', 'g:k', 'GET'], '(error) ERR syntax error'],
  ])('%j → %s', async (args, expected) => {
    expect(await cli(...args)).toBe(expected);
  });
});

describe('redis-cli: SETEX, PSETEX, TTL, PTTL, PERSIST', () => {
  it('SETEX and PSETEX set a value with its TTL; PERSIST removes it', async () => {
    expect(await cli('SETEX', 't:s', '100', 'v')).toBe('OK');
    expect(await cli('GET', 't:s')).toBe('"v"');
    await expectTtl('t:s', 100);
    expect(await cli('PSETEX', 't:p', '200000', 'w')).toBe('OK');
    await expectTtl('t:p', 200);
    expect(await cli('PERSIST', 't:p')).toBe('(integer) 1');
    expect(await cli('PERSIST', 't:p')).toBe('(integer) 0');
    expect(await cli('TTL', 't:p')).toBe('(integer) -1');
    expect(await cli('PTTL', 't:p')).toBe('(integer) -1');
    expect(await cli('PERSIST', 't:missing')).toBe('(integer) 0');
    expect(await cli('TTL', 't:missing')).toBe('(integer) -2');
    expect(await cli('PTTL', 't:missing')).toBe('(integer) -2');
  });

  it.each([
    [['SETEX', 't:e', '0', 'v'], "(error) ERR invalid expire time in 'setex' command"],
    [['SETEX', 't:e', '-1', 'v'], "(error) ERR invalid expire time in 'setex' command"],
    [['PSETEX', 't:e', '0', 'v'], "(error) ERR invalid expire time in 'psetex' command"],
    [['SETEX', 't:e', 'ten', 'v'], '(error) ERR value is not an integer or out of range'],
    [['SETEX', 't:e', '10'], "(error) ERR wrong number of arguments for 'setex' command"],
    [['TTL'], "(error) ERR wrong number of arguments for 'ttl' command"],
    [['PTTL', 'a', 'b'], "(error) ERR wrong number of arguments for 'pttl' command"],
    [['PERSIST'], "(error) ERR wrong number of arguments for 'persist' command"],
  ])('%j → %s', async (args, expected) => {
    expect(await cli(...args)).toBe(expected);
  });
});

describe('redis-cli: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT', () => {
  it('sets an expiry on a live key (1), not on a missing one (0)', async () => {
    await cli('SET', 'e:k', 'v');
    expect(await cli('EXPIRE', 'e:k', '100')).toBe('(integer) 1');
    await expectTtl('e:k', 100);
    expect(await cli('PEXPIRE', 'e:k', '200000')).toBe('(integer) 1');
    await expectTtl('e:k', 200);
    expect(await cli('EXPIREAT', 'e:k', String(nowSeconds() + 300))).toBe('(integer) 1');
    await expectTtl('e:k', 301);
    expect(await cli('PEXPIREAT', 'e:k', String(Date.now() + 400_000))).toBe('(integer) 1');
    await expectTtl('e:k', 400);
    expect(await cli('GET', 'e:k')).toBe('"v"');
    for (const command of ['EXPIRE', 'PEXPIRE', 'EXPIREAT', 'PEXPIREAT']) {
      expect(await cli(command, 'e:missing', '100')).toBe('(integer) 0');
    }
  });

  it('NX, XX, GT and LT as Redis 7 (no expiry counts as infinite for GT and LT)', async () => {
    await cli('SET', 'e:c', 'v');
    expect(await cli('EXPIRE', 'e:c', '100', 'XX')).toBe('(integer) 0');
    expect(await cli('EXPIRE', 'e:c', '100', 'GT')).toBe('(integer) 0');
    expect(await cli('TTL', 'e:c')).toBe('(integer) -1');
    expect(await cli('EXPIRE', 'e:c', '100', 'NX')).toBe('(integer) 1');
    expect(await cli('EXPIRE', 'e:c', '200', 'NX')).toBe('(integer) 0');
    expect(await cli('EXPIRE', 'e:c', '50', 'GT')).toBe('(integer) 0');
    await expectTtl('e:c', 100);
    expect(await cli('EXPIRE', 'e:c', '200', 'gt')).toBe('(integer) 1');
    await expectTtl('e:c', 200);
    expect(await cli('PEXPIRE', 'e:c', '300000', 'LT')).toBe('(integer) 0');
    expect(await cli('PEXPIRE', 'e:c', '150000', 'XX', 'LT')).toBe('(integer) 1');
    await expectTtl('e:c', 150);
    await cli('PERSIST', 'e:c');
    expect(await cli('EXPIRE', 'e:c', '100', 'LT')).toBe('(integer) 1');
    await expectTtl('e:c', 100);
  });

  it('a time at or before now deletes the key and answers 1', async () => {
    await cli('MSET', 'e:d1', 'a', 'e:d2', 'b', 'e:d3', 'c');
    expect(await cli('EXPIRE', 'e:d1', '-1')).toBe('(integer) 1');
    expect(await cli('PEXPIREAT', 'e:d2', '1')).toBe('(integer) 1');
    expect(await cli('EXPIREAT', 'e:d3', '-100')).toBe('(integer) 1');
    expect(await cli('MGET', 'e:d1', 'e:d2', 'e:d3')).toBe('1) (nil)\n2) (nil)\n3) (nil)');
    expect(await cli('EXISTS', 'e:d1', 'e:d2', 'e:d3')).toBe('(integer) 0');
  });

  it.each([
    [['EXPIRE', 'e:k', '10', 'NX', 'XX'], '(error) ERR NX and XX, GT or LT options at the same time are not compatible'],
    [['EXPIRE', 'e:k', '10', 'GT', 'NX'], '(error) ERR NX and XX, GT or LT options at the same time are not compatible'],
    [['PEXPIRE', 'e:k', '10', 'GT', 'LT'], '(error) ERR GT and LT options at the same time are not compatible'],
    [['EXPIRE', 'e:k', '10', 'FOO'], '(error) ERR Unsupported option FOO'],
    [['EXPIRE', 'e:k', 'ten'], '(error) ERR value is not an integer or out of range'],
    [['EXPIRE', 'e:k', '9223372036854775807'], "(error) ERR invalid expire time in 'expire' command"],
    [['PEXPIREAT', 'e:k', '9223372036854775807'], "(error) ERR invalid expire time in 'pexpireat' command"],
    [['EXPIRE', 'e:k'], "(error) ERR wrong number of arguments for 'expire' command"],
  ])('%j → %s, and the key keeps its TTL', async (args, expected) => {
    expect(await cli(...args)).toBe(expected);
    await expectTtl('e:k', 400);
  });
});

describe('expiry on both ports, INFO and COMMAND', () => {
  it('an expiry set over RESP shows on the text port, and the other way round', async () => {
    expect(await cli('SET', 'b:k', 'v', 'EX', '100')).toBe('OK');
    const text = await LineClient.open(node.port);
    try {
      const ttl = Number(await text.call('TTL b:k'));
      expect(ttl).toBeGreaterThan(70);
      expect(ttl).toBeLessThanOrEqual(100);
      expect(await text.call('EXPIRE b:k 500')).toBe('1');
      await expectTtl('b:k', 500);
      expect(await cli('PERSIST', 'b:k')).toBe('(integer) 1');
      expect(await text.call('TTL b:k')).toBe('-1');
    } finally {
      text.close();
    }
  });

  it("INFO's keyspace counts the keys with an expiry", async () => {
    const keyspace = async () => {
      const m = /db0:keys=(\d+),expires=(\d+)/.exec(await cli('INFO', 'keyspace'));
      if (m === null) throw new Error('no db0 line in INFO keyspace');
      return { keys: Number(m[1]), expires: Number(m[2]) };
    };
    const before = await keyspace();
    expect(before).toEqual({ keys: node.store.size, expires: node.store.keysWithExpiry });
    await cli('SETEX', 'i:1', '100', 'a');
    await cli('SET', 'i:2', 'b', 'PX', '100000');
    await cli('SET', 'i:3', 'c');
    expect(await keyspace()).toEqual({ keys: before.keys + 3, expires: before.expires + 2 });
    await cli('PERSIST', 'i:1');
    expect(await keyspace()).toEqual({ keys: before.keys + 3, expires: before.expires + 1 });
  });

  it('COMMAND INFO states the arity and flags from the table', async () => {
    const out = await cli('COMMAND', 'INFO', 'SETEX', 'EXPIRE', 'TTL', 'GETEX');
    expect(out).toMatch(/"setex"\n\s*2\) \(integer\) 4/);
    expect(out).toMatch(/"expire"\n\s*2\) \(integer\) -3/);
    expect(out).toMatch(/"ttl"\n\s*2\) \(integer\) 2/);
    expect(out).toMatch(/"getex"\n\s*2\) \(integer\) -2/);
  });
});
