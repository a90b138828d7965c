import { createClient, noRetry, ServerError } from '@merklekv/client';
import { validateConfig } from '../config/index.js';
import type { RunningNode } from '../node.js';
import { runCli } from './cli.js';
import { LineClient, startTestNode } from './harness.js';

const security = {
  password: 'shared-admin-password',
  users: {
    reader: { password: 'read-only pass', role: 'read' },
    writer: { password: 'writer-pass', role: 'write' },
    boss: { password: 'boss-pass', role: 'admin' },
  },
};

describe('client authentication and roles', () => {
  let node: RunningNode;
  beforeAll(async () => {
    node = await startTestNode({ security }, 'auth-node');
    node.store.set('secret:1', 'classified');
  });
  afterAll(() => node.stop());

  it('an unauthenticated client gets "Authentication required" for everything but AUTH and PING', async () => {
    const c = await LineClient.open(node.port);
    expect(await c.call('PING')).toBe('PONG');
    for (const command of ['GET secret:1', 'SET k v', 'SCAN *', 'INFO', 'DBSIZE', 'FLUSH', 'HASH', 'GETV secret:1', 'VERSION']) {
      expect(await c.call(command)).toBe('ERROR: Authentication required');
    }
    expect(node.store.get('k')).toBeUndefined();
    c.close();
  });

  it('a wrong password gets "Invalid credentials" and no data; the connection stays unauthenticated', async () => {
    const c = await LineClient.open(node.port);
    expect(await c.call('AUTH reader wrong')).toBe('ERROR: Invalid credentials');
    expect(await c.call('AUTH nobody "read-only pass"')).toBe('ERROR: Invalid credentials');
    expect(await c.call('AUTH wrong-shared-password')).toBe('ERROR: Invalid credentials');
    expect(await c.call('GET secret:1')).toBe('ERROR: Authentication required');
    const stats = await (async () => {
      const admin = await LineClient.open(node.port);
      expect(await admin.call(`AUTH ${security.password}`)).toBe('OK');
      admin.send('STATS\r\n');
      const lines = await admin.untilEnd();
      admin.close();
      return lines;
    })();
    expect(stats).toContain('security_auth_failures:3');
    c.close();
  });

  it('closes the connection after 5 failed attempts', async () => {
    const c = await LineClient.open(node.port);
    for (let i = 0; i < 5; i++) c.send('AUTH reader nope\r\n');
    for (let i = 0; i < 5; i++) expect(await c.line(10_000)).toBe('ERROR: Invalid credentials');
    await c.closedByServer();
  }, 20_000);

  it('read role: reads only', async () => {
    const c = await LineClient.open(node.port);
    expect(await c.call('AUTH reader "read-only pass"')).toBe('OK');
    expect(await c.call('GET secret:1')).toBe('classified');
    expect(await c.call('SET secret:1 overwritten')).toBe('ERROR: Permission denied: SET needs the write role');
    expect(await c.call('INCR n')).toBe('ERROR: Permission denied: INCR needs the write role');
    expect(await c.call('GETV secret:1')).toBe('ERROR: Permission denied: GETV needs a cluster peer or the admin role');
    expect(node.store.get('secret:1')).toBe('classified');
    c.close();
  });

  it('write role: reads and writes, not FLUSH or SHUTDOWN', async () => {
    const c = await LineClient.open(node.port);
    expect(await c.call('AUTH writer writer-pass')).toBe('OK');
    expect(await c.call('SET w 1')).toBe('OK');
    expect(await c.call('GET w')).toBe('1');
    expect(await c.call('FLUSH')).toBe('ERROR: Permission denied: FLUSH needs the admin role');
    expect(await c.call('SHUTDOWN')).toBe('ERROR: Permission denied: SHUTDOWN needs the admin role');
    expect(node.store.get('w')).toBe('1');
    c.close();
  });

  it('admin role (a user or the shared password): everything, tree commands included', async () => {
    const c = await LineClient.open(node.port);
    expect(await c.call('AUTH boss boss-pass')).toBe('OK');
    expect(await c.call('HASH')).toMatch(/^[0-9a-f]{32,} \d+ /);
    c.close();
  });

  it('the client sends AUTH on connect and on every reconnect (user and shared password)', async () => {
    const writer = createClient({ port: node.port, user: 'writer', password: 'writer-pass', retry: noRetry });
    await writer.set('via-client', 'ok');
    expect(await writer.get('via-client')).toBe('ok');
    await expect(writer.flush()).rejects.toMatchObject({ serverMessage: 'Permission denied: FLUSH needs the admin role' });
    await writer.close();
    const bad = createClient({ port: node.port, password: 'not-it', retry: noRetry });
    const failure = await bad.get('secret:1').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ServerError);
    expect((failure as ServerError).serverMessage).toBe('Invalid credentials');
    bad.destroy();
    const admin = createClient({ port: node.port, password: security.password, retry: noRetry });
    expect(await admin.dbsize()).toBeGreaterThan(0);
    await admin.close();
  });
});

describe('merklekv-cli credentials', () => {
  it('--user/--password and MERKLEKV_PASSWORD authenticate; none gets the server error', async () => {
    const node = await startTestNode({ security }, 'cli-auth');
    try {
      node.store.set('k', 'v');
      const port = String(node.port);
      expect(await runCli(['--port', port, '--user', 'reader', '--password', 'read-only pass', 'get', 'k'])).toMatchObject({ code: 0, stdout: 'v\n' });
      expect(await runCli(['--port', port, 'dbsize'], { MERKLEKV_PASSWORD: security.password })).toMatchObject({ code: 0, stdout: '1\n' });
      const denied = await runCli(['--port', port, 'get', 'k']);
      expect(denied.code).toBe(1);
      expect(denied.stderr).toContain('ERROR: Authentication required');
    } finally {
      await node.stop();
    }
  }, 60_000);
});

describe('admin_commands = false', () => {
  it('refuses FLUSH and SHUTDOWN to everyone, admins included; the rest works', async () => {
    const node = await startTestNode({ security: { password: 'the-admin-password', admin_commands: false } }, 'no-admin');
    try {
      const c = await LineClient.open(node.port);
      expect(await c.call('AUTH the-admin-password')).toBe('OK');
      expect(await c.call('SET k v')).toBe('OK');
      expect(await c.call('FLUSH')).toBe('ERROR: Admin commands are disabled');
      expect(await c.call('SHUTDOWN')).toBe('ERROR: Admin commands are disabled');
      expect(await c.call('GET k')).toBe('v');
      c.close();
    } finally {
      await node.stop();
    }
  });

  it('applies without passwords too, and AUTH then says authentication is off', async () => {
    const node = await startTestNode({ security: { admin_commands: false } }, 'open-no-admin');
    try {
      const c = await LineClient.open(node.port);
      expect(await c.call('SET k v')).toBe('OK');
      expect(await c.call('FLUSH')).toBe('ERROR: Admin commands are disabled');
      expect(await c.call('AUTH whatever')).toBe('ERROR: Authentication is not enabled on this node');
      expect(await c.call('HASH')).toMatch(/^[0-9a-f]+ 1 /);
      c.close();
    } finally {
      await node.stop();
    }
  });
});

describe('[security] validation', () => {
  const base = { node_id: 'n', mqtt: { broker_address: 'none' } };
  it('names the option: empty passwords, unknown roles, the reserved user "peer", a short cluster secret', () => {
    expect(() => validateConfig({ ...base, security: { password: '' } })).toThrow(/security\.password: must not be empty/);
    expect(() => validateConfig({ ...base, security: { users: { a: { password: 'x', role: 'root' } } } })).toThrow(/security\.users\.a\.role/);
    expect(() => validateConfig({ ...base, security: { users: { peer: { password: 'x' } } } })).toThrow(/security\.users: the user name 'peer' is reserved/);
    expect(() => validateConfig({ ...base, security: { cluster_secret: 'short' } })).toThrow(/security\.cluster_secret: must be at least 16 characters/);
    expect(() => validateConfig({ ...base, security: { pasword: 'typo' } })).toThrow(/security\.pasword: unknown option/);
  });
});
