import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RunningNode } from '../node.js';
import { freePort, LineClient, startTestNode } from './harness.js';

/** Polls `probe` until it returns true (the sweep and the clock are real; no fixed sleeps). */
async function until(probe: () => Promise<boolean>, what: string, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function metric(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('key expiry commands (text protocol)', () => {
  let node: RunningNode;
  let client: LineClient;
  let admin: string;

  beforeAll(async () => {
    const port = await freePort();
    node = await startTestNode({ admin: { port }, storage: { expiry_sweep_interval_ms: 50 } });
    admin = `http://127.0.0.1:${port}`;
    client = await LineClient.open(node.port);
  });
  afterAll(async () => {
    client.socket.destroy();
    await node.stop();
  });

  it('SETEX and PSETEX set a value with an expiry; TTL and PTTL report the time left', async () => {
    expect(await client.call('SETEX session:1 100 token with spaces')).toBe('OK');
    expect(await client.call('GET session:1')).toBe('token with spaces');
    expect(await client.call('TTL session:1')).toBe('100');
    const pttl = Number(await client.call('PTTL session:1'));
    expect(pttl).toBeGreaterThan(95_000);
    expect(pttl).toBeLessThanOrEqual(100_000);
    expect(await client.call('PSETEX session:2 60000 "quoted"')).toBe('OK');
    expect(await client.call('TTL session:2')).toBe('60');
  });

  it('TTL and PTTL say -1 without an expiry and -2 without a key', async () => {
    expect(await client.call('SET plain v')).toBe('OK');
    expect(await client.call('TTL plain')).toBe('-1');
    expect(await client.call('PTTL plain')).toBe('-1');
    expect(await client.call('TTL nothing')).toBe('-2');
    expect(await client.call('PTTL nothing')).toBe('-2');
  });

  it('EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT reply 1, or 0 without a key', async () => {
    expect(await client.call('EXPIRE nothing 10')).toBe('0');
    expect(await client.call('PEXPIREAT nothing 99999999999999')).toBe('0');
    expect(await client.call('SET e v')).toBe('OK');
    expect(await client.call('EXPIRE e 50')).toBe('1');
    expect(await client.call('TTL e')).toBe('50');
    expect(await client.call('PEXPIRE e 20000')).toBe('1');
    expect(await client.call('TTL e')).toBe('20');
    expect(await client.call(`EXPIREAT e ${Math.floor(Date.now() / 1000) + 300}`)).toBe('1');
    expect(Number(await client.call('TTL e'))).toBeGreaterThanOrEqual(299);
    expect(await client.call(`PEXPIREAT e ${Date.now() + 40_000}`)).toBe('1');
    expect(Number(await client.call('TTL e'))).toBeGreaterThanOrEqual(39);
    expect(await client.call('GET e')).toBe('v');
    // A time already past deletes the key.
    expect(await client.call('EXPIRE e -1')).toBe('1');
    expect(await client.call('GET e')).toBe('(null)');
    expect(await client.call('TTL e')).toBe('-2');
    expect(await client.call('EXPIRE e 10')).toBe('0');
  });

  it('PERSIST removes an expiry (1), or replies 0', async () => {
    expect(await client.call('SETEX p 100 v')).toBe('OK');
    expect(await client.call('PERSIST p')).toBe('1');
    expect(await client.call('TTL p')).toBe('-1');
    expect(await client.call('PERSIST p')).toBe('0');
    expect(await client.call('PERSIST nothing')).toBe('0');
  });

  it('SET clears the expiry; INCR, DECR, APPEND and PREPEND keep it', async () => {
    expect(await client.call('SETEX n 100 5')).toBe('OK');
    expect(await client.call('INCR n')).toBe('6');
    expect(await client.call('DECR n 2')).toBe('4');
    expect(await client.call('APPEND n 0')).toBe('40');
    expect(await client.call('PREPEND n 1')).toBe('140');
    expect(await client.call('TTL n')).toBe('100');
    expect(await client.call('SET n plain')).toBe('OK');
    expect(await client.call('TTL n')).toBe('-1');
  });

  it('an expired key is gone from GET, EXISTS, MGET, SCAN and DBSIZE, at once', async () => {
    const before = Number(await client.call('DBSIZE'));
    const infoBefore = await client.call('INFO').then(async (first) => [first, ...(await client.untilEnd())].join('\n'));
    const expiredBefore = Number(/expired_keys_total:(\d+)/.exec(infoBefore)?.[1]);
    expect(await client.call('PSETEX short:1 300 a')).toBe('OK');
    expect(await client.call('PSETEX short:2 300 b')).toBe('OK');
    expect(await client.call('DBSIZE')).toBe(String(before + 2));
    await until(async () => (await client.call('EXISTS short:1 short:2')) === '0', 'the keys to expire');
    expect(await client.call('GET short:1')).toBe('(null)');
    client.send('MGET short:1 short:2\r\n');
    expect(await client.untilEnd()).toEqual(['(null)', '(null)', 'END']);
    client.send('SCAN short:\r\n');
    expect(await client.untilEnd()).toEqual(['END']);
    expect(await client.call('DBSIZE')).toBe(String(before));
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    expect(metric(metrics, 'merklekv_expired_keys_total')).toBeGreaterThanOrEqual(expiredBefore + 2);
    expect(metric(metrics, 'merklekv_keys_with_expiry')).toBeGreaterThan(0);
    expect(metric(metrics, 'merklekv_expiry_sweep_seconds_total')).toBeGreaterThanOrEqual(0);
    client.send('INFO\r\n');
    const info = (await client.untilEnd()).join('\n');
    expect(info).toMatch(/# Expiry\nkeys_with_expiry:\d+\nexpired_keys_total:\d+\nexpiry_sweeps:\d+\nexpiry_sweep_ms_total:[\d.]+\nexpiry_sweep_max_step_ms:[\d.]+\nexpiry_sweep_failures:0/);
    expect(Number(/expired_keys_total:(\d+)/.exec(info)?.[1])).toBeGreaterThanOrEqual(expiredBefore + 2);
  });

  it('the sweep turns keys nobody reads into tombstones within its interval', async () => {
    const version = async () => {
      client.send('GETV idle:1\r\n');
      return (await client.untilEnd())[0] ?? '';
    };
    // Nothing reads idle:1 until the keys-with-expiry gauge drops: only the sweep can have expired it.
    expect(await client.call('PSETEX idle:1 200 v')).toBe('OK');
    const stats = async () => {
      const metrics = await (await fetch(`${admin}/metrics`)).text();
      return metric(metrics, 'merklekv_keys_with_expiry') ?? -1;
    };
    const withExpiry = await stats();
    await until(async () => (await stats()) === withExpiry - 1, 'the sweep to expire idle:1');
    expect(await version()).toMatch(/^idle:1 \d+ test-node 1:\d+ ""$/);
  });

  it('rejects bad times with an error naming the argument', async () => {
    expect(await client.call('SETEX k 0 v')).toBe("ERROR: SETEX seconds must be a positive integer, got '0'");
    expect(await client.call('EXPIRE k soon')).toBe("ERROR: EXPIRE seconds must be an integer, got 'soon'");
    expect(await client.call('EXPIRE k 9007199254740991')).toMatch(/^ERROR: EXPIRE time is out of range/);
  });
});
