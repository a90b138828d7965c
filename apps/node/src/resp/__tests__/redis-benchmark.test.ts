/** redis-benchmark (Debian redis-tools) completes against the RESP port with no errors. */
import { jest } from '@jest/globals';
import type { RunningNode } from '../../node.js';
import { startTestNode } from '../../__tests__/harness.js';
import { run } from './redis-tools.js';

// Real clients as child processes on a shared, loaded machine: generous bounds, not speed claims.
jest.setTimeout(90_000);

describe('redis-benchmark', () => {
  let node: RunningNode;
  beforeAll(async () => {
    node = await startTestNode({}, 'resp-bench');
  });
  afterAll(() => node.stop(), 30_000);

  it('runs -t set,get,incr,mset -P 16 to completion with no errors', async () => {
    const result = await run(
      'redis-benchmark',
      ['-h', '127.0.0.1', '-p', String(node.respPort), '-t', 'set,get,incr,mset', '-P', '16', '-n', '20000', '-r', '1000', '-c', '4', '-q', '--csv'],
      undefined,
      120_000,
    );
    expect(result.code).toBe(0);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.stdout).not.toMatch(/error/i);
    const rows = result.stdout
      .trim()
      .split('\n')
      .filter((line) => !line.startsWith('"test"'))
      .map((line) => line.split(',')[0]?.replace(/"/g, ''));
    expect(rows).toEqual(['SET', 'GET', 'INCR', 'MSET (10 keys)']);
    // -r 1000: INCR hit counter:000000000000 .. counter:000000000999; every one of the 20,000 counted.
    let total = 0;
    let after: string | undefined;
    do {
      const page = node.store.scan('counter:', after, 1000);
      for (const [, value] of page.entries) total += Number(value);
      after = page.cursor;
    } while (after !== undefined);
    expect(total).toBe(20_000);
  }, 180_000);
});
