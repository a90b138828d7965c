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

  it('PING, SET/GET, nil, a non-ASCII value, bytes, pipelines, SCAN; transactions refused', async () => {
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
    });
    const text = await LineClient.open(node.port);
    expect(await text.call('GET py:utf8')).toBe('héllo wörld ✓ 日本語');
    text.close();
  }, 120_000);
});
