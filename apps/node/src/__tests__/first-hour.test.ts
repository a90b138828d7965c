/**
 * What a newcomer meets in the first hour (issue #13): start failures that
 * blame the right option in one line, quiet logs for ordinary events, every
 * option settable from the environment, and the admin listener's answers.
 */
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../config/index.js';
import { freePort, LineClient, spawnNode, startTestNode, waitForPort, writeConfig, type NodeProcess } from './harness.js';

const standalone = (port: number, extra = '') =>
  `node_id = "first-hour"\n[network]\nbind_port = ${port}\n[mqtt]\nbroker_address = "none"\n[anti_entropy]\nenabled = false\n[resp]\nenabled = false\n${extra}`;

async function until(node: NodeProcess, pattern: RegExp, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(node.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(node.output()).toMatch(pattern);
}

function http(port: number, method: string, path: string): Promise<{ status: number; body: string; allow: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, allow: res.headers.allow }));
    });
    req.once('error', reject);
    req.end();
  });
}

/** The JSON log lines of a node's output. */
function logLines(output: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('start failures', () => {
  it('a port in use: one clear line on stderr, no level-60 JSON with a stack before it', async () => {
    const port = await freePort();
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(port, '127.0.0.1', r));
    try {
      const node = spawnNode(writeConfig(standalone(port)), port);
      expect(await node.exited).toBe(1);
      expect(node.output()).toMatch(/cannot start: cannot listen on 127\.0\.0\.1:\d+: the port is in use/);
      expect(node.output()).not.toMatch(/"level":60/);
      expect(node.output()).not.toMatch(/"stack"/);
    } finally {
      await new Promise((r) => holder.close(r));
    }
  }, 30_000);

  it('an address that is not on this machine blames bind_address, not bind_port', async () => {
    const port = await freePort();
    const node = spawnNode(writeConfig(standalone(port).replace('[network]\n', '[network]\nbind_address = "192.0.2.1"\n')), port);
    expect(await node.exited).toBe(1);
    expect(node.output()).toMatch(/not one of this machine's; choose another with \[network\] bind_address/);
    expect(node.output()).not.toMatch(/bind_port/);
  }, 30_000);
});

describe('logs', () => {
  it('storage loaded: ms rounded; a refused reload: one line without a stack', async () => {
    const port = await freePort();
    const file = writeConfig(standalone(port));
    const node = spawnNode(file, port);
    try {
      await waitForPort(port);
      const loaded = logLines(node.output()).find((line) => line['msg'] === 'storage loaded');
      expect(typeof loaded?.['ms']).toBe('number');
      expect(String(loaded?.['ms'])).toMatch(/^\d+(\.\d)?$/);
      writeFileSync(file, 'node_id = \n');
      node.kill('SIGHUP');
      await until(node, /reload refused/);
      const refused = logLines(node.output()).find((line) => String(line['msg']).startsWith('reload refused'));
      expect(refused?.['reason']).toMatch(/not valid TOML/);
      expect(JSON.stringify(refused)).not.toMatch(/stack/);
    } finally {
      node.kill('SIGTERM');
      await node.exited;
    }
  }, 30_000);
});

describe('configuration from the environment', () => {
  const file = () => writeConfig(standalone(7878));

  it('takes [admin] options, fractional numbers and the [security.users] table', () => {
    const config = loadConfig(file(), {
      MERKLE_KV_ADMIN_PORT: '9191',
      MERKLE_KV_ADMIN_BIND_ADDRESS: '127.0.0.2',
      MERKLE_KV_STORAGE_BACKUP_INTERVAL_HOURS: '0.5',
      MERKLE_KV_SECURITY_USERS: '{"alice":{"password":"s3cret-pass","role":"read"}}',
    });
    expect(config.admin.port).toBe(9191);
    expect(config.admin.bind_address).toBe('127.0.0.2');
    expect(config.storage.backup_interval_hours).toBe(0.5);
    expect(config.security.users).toEqual({ alice: { password: 's3cret-pass', role: 'read' } });
  });

  it('still refuses a fraction where the option is an integer, and a table that is not a JSON object', () => {
    expect(() => loadConfig(file(), { MERKLE_KV_NETWORK_BIND_PORT: '80.5' })).toThrow(/network\.bind_port/);
    expect(() => loadConfig(file(), { MERKLE_KV_SECURITY_USERS: 'alice' })).toThrow(/MERKLE_KV_SECURITY_USERS: not a JSON object/);
    expect(() => loadConfig(file(), { MERKLE_KV_SECURITY_USERS: '[1]' })).toThrow(/expected a JSON object/);
  });
});

describe('the admin listener', () => {
  it('GET /reload says to use POST (405); /ready answers ready while the client port listens', async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    const node = spawnNode(writeConfig(standalone(port)), port, { MERKLE_KV_ADMIN_PORT: String(adminPort) });
    try {
      await waitForPort(port);
      const got = await http(adminPort, 'GET', '/reload');
      expect(got.status).toBe(405);
      expect(got.allow).toBe('POST');
      expect(got.body).toMatch(/use POST/);
      expect((await http(adminPort, 'GET', '/ready')).status).toBe(200);
      const client = await LineClient.open(port);
      client.send('PING\r\n');
      expect(await client.line()).toBe('PONG');
    } finally {
      node.kill('SIGTERM');
      await node.exited;
    }
  }, 30_000);
});

describe('DEL with several keys', () => {
  it('DEL k1 k2 ... replies how many were live; DEL k replies as before', async () => {
    const port = await freePort();
    const node = spawnNode(writeConfig(standalone(port)), port);
    try {
      await waitForPort(port);
      const client = await LineClient.open(port);
      client.send('MSET a 1 b 2\r\nDEL a b c a\r\nEXISTS a b\r\nSET d 4\r\nDEL d\r\nDEL d\r\n');
      expect(await client.line()).toBe('OK');
      expect(await client.line()).toBe('2');
      expect(await client.line()).toBe('0');
      expect(await client.line()).toBe('OK');
      expect(await client.line()).toBe('DELETED');
      expect(await client.line()).toBe('NOT_FOUND');
    } finally {
      node.kill('SIGTERM');
      await node.exited;
    }
  }, 30_000);
});

describe('/ready', () => {
  it('answers 503 once the client port has stopped listening (a stopping node)', async () => {
    const adminPort = await freePort();
    const node = await startTestNode({ admin: { port: adminPort } }, 'ready-check');
    // A client that never closes its side keeps the listener's close waiting (up to its grace period).
    const lingering = connect({ host: '127.0.0.1', port: node.port, allowHalfOpen: true });
    await new Promise<void>((resolve) => lingering.once('connect', () => resolve()));
    try {
      expect((await http(adminPort, 'GET', '/ready')).status).toBe(200);
      const stopping = node.stop('test');
      const deadline = Date.now() + 4000;
      let status = 200;
      while (status === 200 && Date.now() < deadline) {
        status = (await http(adminPort, 'GET', '/ready')).status;
        if (status === 200) await new Promise((r) => setTimeout(r, 20));
      }
      expect(status).toBe(503);
      lingering.destroy();
      await stopping;
    } finally {
      lingering.destroy();
    }
  }, 30_000);
});
