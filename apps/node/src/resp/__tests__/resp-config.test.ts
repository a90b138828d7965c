/** The [resp] section: defaults, environment overrides, start-up errors, and SHUTDOWN/SYNC over RESP. */
import { jest } from '@jest/globals';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { loadConfig, validateConfig } from '../../config/index.js';
import { freePort, startTestNode, writeConfig } from '../../__tests__/harness.js';
import { redisCli } from './redis-tools.js';

// Real clients as child processes on a shared, loaded machine: generous bounds, not speed claims.
jest.setTimeout(90_000);

describe('[resp] configuration', () => {
  it('is on by default, on port 6380, at the [network] address', () => {
    const config = validateConfig({ node_id: 'n', mqtt: { broker_address: 'none' }, network: { bind_address: '127.0.0.2' } });
    expect(config.resp).toEqual({ enabled: true, bind_port: 6380 });
    expect(config.resp.bind_address ?? config.network.bind_address).toBe('127.0.0.2');
  });

  it('takes MERKLE_KV_RESP_* overrides like every option', () => {
    const file = writeConfig('node_id = "n"\n[mqtt]\nbroker_address = "none"\n[resp]\nbind_port = 7000\n');
    const config = loadConfig(file, { MERKLE_KV_RESP_BIND_PORT: '7001', MERKLE_KV_RESP_ENABLED: 'false', MERKLE_KV_RESP_BIND_ADDRESS: '::1' });
    expect(config.resp).toEqual({ enabled: false, bind_port: 7001, bind_address: '::1' });
  });

  it('names the option when the value is wrong', () => {
    expect(() => validateConfig({ node_id: 'n', mqtt: { broker_address: 'none' }, resp: { bind_port: 70000 } })).toThrow(/resp\.bind_port: must be a port number/);
    expect(() => validateConfig({ node_id: 'n', mqtt: { broker_address: 'none' }, resp: { port: 1 } })).toThrow(/resp\.port: unknown option/);
  });

  it('starts no RESP listener when disabled', async () => {
    const node = await startTestNode({ resp: { enabled: false } }, 'resp-off');
    try {
      expect(node.respPort).toBeUndefined();
    } finally {
      await node.stop();
    }
  });

  it('refuses to start when the RESP port is taken, naming [resp] bind_port', async () => {
    const taken = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve));
    try {
      const err = await startTestNode({ resp: { bind_port: port } }, 'resp-taken').catch((e: unknown) => e);
      expect((err as Error).message).toBe(`cannot listen on 127.0.0.1:${port} (RESP): the port is in use (another node or broker?); choose another with [resp] bind_port`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});

describe('admin and MerkleKV commands over RESP', () => {
  it('SYNC with a peer runs an anti-entropy session; a bad peer is an error', async () => {
    const a = await startTestNode({ anti_entropy: { enabled: true, interval_seconds: 3600 } }, 'resp-sync-a');
    const b = await startTestNode({ anti_entropy: { enabled: true, interval_seconds: 3600 } }, 'resp-sync-b');
    try {
      await redisCli(b.respPort as number, ['SET', 'only-on-b', 'v']);
      // redis-cli turns SYNC into its own replica mode, so a client library sends it.
      const client = new Redis({ host: '127.0.0.1', port: a.respPort as number });
      try {
        expect(await client.call('SYNC', `127.0.0.1:${b.port}`)).toMatch(/^OK round_trips=\d+ bytes=\d+ keys_pulled=1 keys_pushed=0 ms=\d+ mode=\S+$/);
        expect(await client.get('only-on-b')).toBe('v');
        await expect(client.call('SYNC', 'nohost')).rejects.toThrow("ERR SYNC peer must be host:port with a port from 1 to 65535, got 'nohost'");
        // A peer that is not up is an ordinary failure with its reason, as on the text port, not an internal error.
        const unreachable = await client.call('SYNC', '127.0.0.1:1').then(
          () => 'answered OK',
          (err: Error) => err.message,
        );
        expect(unreachable).toMatch(/^ERR /);
        expect(unreachable).not.toMatch(/internal error/i);
      } finally {
        client.disconnect();
      }
    } finally {
      await b.stop();
      await a.stop();
    }
  });

  it('SHUTDOWN answers OK and stops the node', async () => {
    const node = await startTestNode({}, 'resp-shutdown');
    expect(await redisCli(node.respPort as number, ['SHUTDOWN', 'NOSAVE'])).toBe('OK');
    await node.stopped;
  });
});
