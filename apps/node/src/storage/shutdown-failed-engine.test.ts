/**
 * Stopping a node (SIGTERM) while its storage engine is down: the changes the engine could not
 * take are reported in ONE error line, the process exits with status 1, and nothing surfaces as
 * an unhandled rejection or a crash trace.
 */
import { expect, it } from '@jest/globals';
import { freePort, LineClient, spawnNode, waitForPort, writeConfig } from '../__tests__/harness.js';
import { startRedisServer } from './__tests__/redis-server.js';

it('a node stopped while Redis is down exits 1 with one clear error line, never an unhandled rejection', async () => {
  const redis = await startRedisServer();
  const port = await freePort();
  const config = writeConfig(
    `node_id = "stop-failed"\n[network]\nbind_address = "127.0.0.1"\nbind_port = ${port}\n[mqtt]\nbroker_address = "none"\n` +
      `[anti_entropy]\nenabled = false\n[storage]\nengine = "redis"\nredis_url = "${redis.url}"\nsync = "batch"\n`,
  );
  const node = spawnNode(config, port);
  try {
    await waitForPort(port, 60_000);
    const c = await LineClient.open(port);
    expect(await c.call('SET before 1')).toBe('OK');
    await redis.kill();
    for (let i = 0; i < 20; i++) expect(await c.call(`SET during${i} ${i}`)).toBe('OK');
    const deadline = Date.now() + 30_000;
    while (!node.output().includes('storage write failed') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(node.output()).toContain('storage write failed');
    c.close();
    node.kill('SIGTERM');
    const code = await node.exited;
    const out = node.output();
    const shutdownErrors = out
      .split('\n')
      .filter((l) => l.includes('"level":50') || l.includes('"level":60'))
      .filter((l) => !l.includes('storage write failed'));
    expect(code).toBe(1);
    expect(shutdownErrors).toHaveLength(1);
    expect(shutdownErrors[0]).toMatch(/stopped, but storage failed to close: Storage unavailable \(\d+ changes could not be written to the redis engine: cannot reach Redis \(connect ECONNREFUSED/);
    expect(out).not.toMatch(/unhandled|UnhandledPromiseRejection|merklekv: fatal/i);
  } finally {
    node.kill('SIGKILL');
    await node.exited;
    await redis.stop();
  }
}, 90_000);
