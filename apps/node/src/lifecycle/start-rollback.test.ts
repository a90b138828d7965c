/**
 * A start that fails part-way releases everything it had started: a failure is injected at
 * successive points of the start (the logger throws when the node logs a given step), and after
 * each one every port (client, embedded broker, admin) can be bound again, no MQTT client keeps
 * reconnecting to the broker port, and a node starts on the same ports and data_dir (the lmdb
 * file is no longer held).
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { validateConfig } from '../config/index.js';
import { freePort } from '../__tests__/harness.js';
import { startNode } from '../node.js';

/** Binds `port` for `ms` and counts the connections it receives (a leaked client would reconnect). */
async function holdPort(port: number, ms: number): Promise<number> {
  let connections = 0;
  const server = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  await new Promise((r) => setTimeout(r, ms));
  await new Promise((r) => server.close(r));
  return connections;
}

function failingAt(step: string) {
  return pino({
    level: 'info',
    hooks: {
      logMethod(args, method) {
        if (args.some((a) => a === step)) throw new Error(`injected failure at '${step}'`);
        return method.apply(this, args);
      },
    },
  }, { write: () => undefined });
}

describe('startNode rolls back a start that fails part-way', () => {
  it.each(['storage loaded', 'embedded MQTT broker listening', 'admin listening', 'client port taken'])('failure at: %s', async (step) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'merklekv-rollback-'));
    const [clientPort, brokerPort, adminPort] = [await freePort(), await freePort(), await freePort()];
    const config = validateConfig({
      node_id: 'rollback',
      network: { bind_address: '127.0.0.1', bind_port: clientPort },
      mqtt: { broker_address: 'embedded', embedded_port: brokerPort },
      anti_entropy: { enabled: true, interval_seconds: 1 },
      admin: { port: adminPort },
      storage: { engine: 'lmdb', data_dir: dataDir, backup_interval_hours: 1 },
    });
    const blocker = step === 'client port taken' ? createServer() : undefined;
    if (blocker) await new Promise<void>((r) => blocker.listen(clientPort, '127.0.0.1', () => r()));
    try {
      const logger = blocker ? failingAt('never logged') : failingAt(step);
      await expect(startNode(config, logger)).rejects.toThrow(blocker ? /cannot listen on 127\.0\.0\.1/ : /injected failure/);
    } finally {
      if (blocker) await new Promise((r) => blocker.close(r));
    }
    // Every port is free, and no leaked MQTT client comes back to the broker's port.
    expect(await holdPort(clientPort, 10)).toBe(0);
    expect(await holdPort(adminPort, 10)).toBe(0);
    expect(await holdPort(brokerPort, 1500)).toBe(0);
    // The same ports and lmdb file serve a new node.
    const node = await startNode(config, pino({ level: 'silent' }));
    expect(await node.stop()).toEqual({ clean: true });
    rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);
});
