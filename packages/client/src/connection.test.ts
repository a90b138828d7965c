/**
 * Framing tests against a scripted fake server: pipelining order, replies
 * split across TCP chunks, ERROR replies, timeouts, closed connections,
 * reconnect with an injected backoff, and close() draining.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { createClient, noRetry } from './index.js';
import type { MerkleKVClient } from './index.js';
import { freePort, startFakeServer, writeInPieces } from './__tests__/fake-server.js';
import type { FakeServer } from './__tests__/fake-server.js';

let server: FakeServer | undefined;
let client: MerkleKVClient | undefined;

afterEach(async () => {
  client?.destroy();
  client = undefined;
  await server?.close();
  server = undefined;
});

describe('pipelining', () => {
  it('matches 2,000 in-flight replies to their requests in order, even when the replies arrive byte by byte', async () => {
    let replies = '';
    server = await startFakeServer((line, socket, index) => {
      const key = line.split(' ')[1];
      replies += `value-of-${key}\r\n`;
      if (index === 1999) void writeInPieces(socket, replies, 7);
    });
    client = createClient({ port: server.port, retry: noRetry });
    const keys = Array.from({ length: 2000 }, (_, i) => `k${i}`);
    const values = await Promise.all(keys.map((k) => client!.get(k)));
    expect(values).toEqual(keys.map((k) => `value-of-${k}`));
    expect(server.received).toHaveLength(2000);
  });

  it('reassembles a multi-line reply split at every byte offset', async () => {
    const reply = 'a\r\n(null)\r\n"two words "\r\nEND\r\n';
    let cut = 0;
    server = await startFakeServer((_line, socket) => {
      socket.write(reply.slice(0, cut));
      setImmediate(() => socket.write(reply.slice(cut)));
    });
    client = createClient({ port: server.port, retry: noRetry });
    for (cut = 0; cut <= reply.length; cut++) {
      expect(await client.mget('x', 'y', 'z')).toEqual(['a', null, 'two words ']);
    }
  });

  it('a pipeline batch resolves one outcome per command, errors included, in one write', async () => {
    server = await startFakeServer((line, socket) => {
      if (line.startsWith('SET')) socket.write('OK\r\n');
      else if (line.startsWith('GET')) socket.write('"hello world"\r\n');
      else socket.write('ERROR: Invalid command \'NOPE\'\r\n');
    });
    client = createClient({ port: server.port, retry: noRetry });
    const [a, b, c] = await client.pipeline().set('k', 'hello world').get('k').incr('n').exec();
    expect(a).toEqual({ ok: true, value: 'OK' });
    expect(b).toEqual({ ok: true, value: 'hello world' });
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.error.code).toBe('SERVER_ERROR');
  });
});

describe('errors', () => {
  it('rejects an ERROR reply with ServerError carrying the message, and the connection stays usable', async () => {
    server = await startFakeServer((line, socket) =>
      socket.write(line.startsWith('INCR') ? 'ERROR: Value is not an integer\r\n' : '5\r\n'),
    );
    client = createClient({ port: server.port, retry: noRetry });
    await expect(client.incr('k')).rejects.toMatchObject({
      name: 'ServerError',
      code: 'SERVER_ERROR',
      serverMessage: 'Value is not an integer',
    });
    expect(await client.exists('a', 'b')).toBe(5);
    expect(server.sockets).toHaveLength(1);
  });

  it('an ERROR as the first line of a multi-line reply rejects only that request', async () => {
    server = await startFakeServer((line, socket) =>
      socket.write(line === 'MGET bad' ? 'ERROR: MGET key too long\r\n' : 'x\r\nEND\r\n'),
    );
    client = createClient({ port: server.port, retry: noRetry });
    const bad = client.send({ type: 'MGET', keys: ['bad'] });
    const good = client.mget('k');
    await expect(bad).rejects.toMatchObject({ code: 'SERVER_ERROR' });
    expect(await good).toEqual(['x']);
  });

  it('times out with TimeoutError, fails everything in flight, then reconnects for the next request', async () => {
    // The first connection hangs (never answers); later ones answer.
    server = await startFakeServer((_line, socket) => {
      if (socket !== server?.sockets[0]) socket.write('PONG\r\n');
    });
    client = createClient({ port: server.port, timeoutMs: 150, retry: noRetry });
    const started = performance.now();
    const slow = client.ping('slow');
    const behind = client.ping();
    await expect(slow).rejects.toMatchObject({ name: 'TimeoutError', code: 'TIMEOUT', timeoutMs: 150 });
    // The reply to `behind` can no longer be matched: it fails too.
    await expect(behind).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(await client.ping()).toBe('PONG');
    expect(server.sockets).toHaveLength(2);
  });

  it('a connection closed mid-request rejects with ConnectionClosedError', async () => {
    server = await startFakeServer((_line, socket) => socket.destroy());
    client = createClient({ port: server.port, retry: noRetry });
    await expect(client.get('k')).rejects.toMatchObject({
      name: 'ConnectionClosedError',
      code: 'CONNECTION_CLOSED',
    });
  });

  it.each(['destroy', 'close'] as const)('%s() during a reconnect backoff: no socket is opened later, the request fails, connect() refuses', async (how) => {
    const port = await freePort();
    let attempts = 0;
    client = createClient({ port, retry: () => (++attempts, 300) });
    const pending = client.get('k');
    // The first attempt fails at once (nothing listens): the client now waits 300 ms to retry.
    for (let i = 0; i < 200 && attempts === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(attempts).toBe(1);
    if (how === 'destroy') client.destroy();
    else await client.close();
    await expect(pending).rejects.toMatchObject({ name: 'ConnectionClosedError', code: 'CLIENT_CLOSED' });
    // Something listens on the port now: a retry would connect to it.
    server = await startFakeServer((_line, socket) => socket.write('PONG\r\n'), port);
    await new Promise((r) => setTimeout(r, 600));
    expect(server.sockets).toHaveLength(0);
    expect(attempts).toBe(1);
    await expect(client.connect()).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
    await new Promise((r) => setTimeout(r, 50));
    expect(server.sockets).toHaveLength(0);
  });

  it('nothing listening: ConnectionError once the retry policy gives up, after asking it for each attempt', async () => {
    const port = await freePort();
    const asked: number[] = [];
    client = createClient({
      port,
      retry: (attempt) => {
        asked.push(attempt);
        return attempt < 3 ? 5 : null;
      },
    });
    await expect(client.get('k')).rejects.toMatchObject({ name: 'ConnectionError', code: 'CONNECTION_FAILED' });
    expect(asked).toEqual([1, 2, 3]);
  });

  it('reconnects with the injected backoff once the server comes up', async () => {
    const port = await freePort();
    const asked: number[] = [];
    client = createClient({
      port,
      retry: (attempt) => {
        asked.push(attempt);
        if (attempt === 2) void startFakeServer((_l, s) => s.write('PONG\r\n'), port).then((s) => (server = s));
        return attempt < 50 ? 20 : null;
      },
    });
    expect(await client.ping()).toBe('PONG');
    expect(asked.length).toBeGreaterThanOrEqual(2);
  });
});

describe('close()', () => {
  it('waits for in-flight replies, then refuses new requests', async () => {
    server = await startFakeServer((_line, socket) => setTimeout(() => socket.write('OK\r\n'), 50));
    const c = createClient({ port: server.port, retry: noRetry });
    client = c;
    const pending = [c.set('a', '1'), c.set('b', '2')];
    await c.close();
    expect(c.pending).toBe(0);
    await expect(Promise.all(pending)).resolves.toEqual(['OK', 'OK']);
    await expect(c.get('a')).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
  });

  it('an argument the protocol cannot carry rejects with ProtocolError before anything is sent', async () => {
    const port = await freePort();
    client = createClient({ port, retry: noRetry });
    await expect(client.get('a b')).rejects.toMatchObject({ name: 'ProtocolError', code: 'INVALID_KEY' });
    await expect(client.incr('k', 2n ** 63n)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(client.pending).toBe(0);
    expect(client.bytesWritten).toBe(0);
  });

  it('counts bytes written and read', async () => {
    server = await startFakeServer((_line, socket) => socket.write('OK\r\n'));
    client = createClient({ port: server.port, retry: noRetry });
    await client.set('k', 'v');
    expect(client.bytesWritten).toBe('SET k v\r\n'.length);
    expect(client.bytesRead).toBe(4);
  });
});
