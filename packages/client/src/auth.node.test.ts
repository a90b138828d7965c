import type { Socket } from 'node:net';
import { peerProof, PEER_USER } from '@merklekv/protocol';
import { waitFor } from '@merklekv/test-support';
import { startFakeServer, type FakeServer } from './__tests__/fake-server.js';
import { createClient } from './client.js';
import { noRetry } from './backoff.js';
import { AuthenticationError, ServerError } from './errors.js';

const SECRET = 'cluster-secret-for-the-tests';

/** A node that wants `AUTH alice pw` before anything and answers the peer handshake with `secret`. */
function authServer(secret: string): (line: string, socket: Socket) => void {
  const authed = new WeakSet<object>();
  const nonces = new WeakMap<object, string>();
  return (line, socket) => {
    const [word, user, password] = line.split(' ');
    if (word === 'AUTH' && user === 'alice') {
      if (password === 'pw') authed.add(socket);
      socket.write(password === 'pw' ? 'OK\r\n' : 'ERROR: Invalid credentials\r\n');
    } else if (word === 'AUTH' && user === PEER_USER && password?.startsWith('challenge:')) {
      const client = password.slice('challenge:'.length);
      const server = 'ab'.repeat(16);
      nonces.set(socket, client);
      socket.write(`CHALLENGE ${server} ${peerProof(secret, 'server', client, server)}\r\n`);
    } else if (word === 'AUTH' && user === PEER_USER) {
      const ok = password === peerProof(secret, 'client', nonces.get(socket) ?? '', 'ab'.repeat(16));
      if (ok) authed.add(socket);
      socket.write(ok ? 'OK\r\n' : 'ERROR: Invalid credentials\r\n');
    } else {
      socket.write(authed.has(socket) ? 'PONG\r\n' : 'ERROR: Authentication required\r\n');
    }
  };
}

describe('client authentication', () => {
  let server: FakeServer;
  afterEach(() => server.close());

  it('sends AUTH user password before the first request, and again after a reconnect', async () => {
    server = await startFakeServer(authServer(SECRET));
    const client = createClient({ port: server.port, user: 'alice', password: 'pw', retry: noRetry });
    await expect(client.ping()).resolves.toBe('PONG');
    expect(client.connected).toBe(true);
    server.sockets[0]?.destroy();
    await waitFor('the client to see the connection close', () => !client.connected);
    await expect(client.ping()).resolves.toBe('PONG');
    expect(server.received).toEqual(['AUTH alice pw', 'PING', 'AUTH alice pw', 'PING']);
    await client.close();
  });

  it('fails the waiting requests with the server error when the password is wrong', async () => {
    server = await startFakeServer(authServer(SECRET));
    const client = createClient({ port: server.port, user: 'alice', password: 'nope', retry: noRetry });
    const failure = await client.ping().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ServerError);
    expect((failure as ServerError).serverMessage).toBe('Invalid credentials');
    expect(server.received).toEqual(['AUTH alice nope']);
    client.destroy();
  });

  it('runs the peer handshake, the secret never on the wire', async () => {
    server = await startFakeServer(authServer(SECRET));
    const client = createClient({ port: server.port, peerSecret: SECRET, retry: noRetry });
    await expect(client.ping()).resolves.toBe('PONG');
    expect(server.received.join('\n')).not.toContain(SECRET);
    expect(server.received[0]).toMatch(/^AUTH peer challenge:[0-9a-f]{32}$/);
    expect(server.received[1]).toMatch(/^AUTH peer [0-9a-f]{64}$/);
    await client.close();
  });

  it('refuses a node that cannot prove it holds the same secret, before sending its own proof', async () => {
    server = await startFakeServer(authServer('some-other-cluster-secret'));
    const client = createClient({ port: server.port, peerSecret: SECRET, retry: noRetry });
    const failure = await client.ping().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(AuthenticationError);
    expect(server.received).toHaveLength(1);
    client.destroy();
  });
});
