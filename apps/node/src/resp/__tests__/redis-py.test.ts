/**
 * redis-py from a subprocess. Debian's python3-redis is importable by
 * /usr/bin/python3 (a `python3` earlier on PATH may be another interpreter).
 */
import { jest } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import type { RunningNode } from '../../node.js';
import { LineClient, startTestNode } from '../../__tests__/harness.js';
import { run } from './redis-tools.js';

// Real clients as child processes on a shared, loaded machine: generous bounds, not speed claims.
jest.setTimeout(90_000);

const SCRIPT = fileURLToPath(new URL('./redis-py-client.py', import.meta.url));

describe('redis-py', () => {
  let node: RunningNode;
  beforeAll(async () => {
    node = await startTestNode({}, 'resp-redis-py');
  });
  afterAll(() => node.stop(), 30_000);

  it('PING, SET/GET, nil, a non-ASCII value, bytes, pipelines, SCAN, SET ex/px, TTL, SETEX, EXPIRE, PERSIST, GETEX; transactions refused', async () => {
    const result = await run('/usr/bin/python3', [SCRIPT, String(node.respPort)]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const seen = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(seen).toEqual({
      ping: true,
      set: true,
      get: 'v',
      missing: null,
      utf8: 'héllo wörld ✓ 日本語',
      bin_equal: true,
      pipeline_ok: true,
      incr: 7,
      scan_count: 200,
      info: ['7.2.0', 'master', 0, true],
      multi: expect.stringMatching(/^MULTI is not supported: MerkleKV replicates every write on its own/),
      transaction: expect.stringMatching(/^(MULTI|EXEC) is not supported/),
      transaction_wrote: 0,
      set_ex: true,
      ttl: expect.any(Number),
      set_px_nx: null,
      pttl: expect.any(Number),
      setex: true,
      expire: true,
      ttl3: expect.any(Number),
      persist: true,
      ttl_after_persist: -1,
      ttl_missing: -2,
      getex: 'v',
      ttl_after_getex: expect.any(Number),
      set_ex_0: "invalid expire time in 'set' command",
    });
    // Bounds, not exact values: the machine may be loaded between the calls.
    const within = (name: string, low: number, high: number) => {
      expect(seen[name]).toBeGreaterThan(low);
      expect(seen[name]).toBeLessThanOrEqual(high);
    };
    within('ttl', 70, 100);
    within('pttl', 170_000, 200_000);
    within('ttl3', 270, 300);
    within('ttl_after_getex', 30, 60);
    const text = await LineClient.open(node.port);
    expect(await text.call('GET py:utf8')).toBe('héllo wörld ✓ 日本語');
    text.close();
  }, 120_000);
});
