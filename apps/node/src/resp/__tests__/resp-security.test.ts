/**
 * [security] and the [network] limits on the RESP port, as on the text port,
 * answered with RESP errors; TLS with the [network] certificate.
 */
import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { RunningNode } from '../../node.js';
import { LineClient, startTestNode } from '../../__tests__/harness.js';
import { makeTestCerts } from '../../__tests__/certs.js';
import { redisCli, redisCliSession } from './redis-tools.js';

// Real clients as child processes on a shared, loaded machine: generous bounds, not speed claims.
jest.setTimeout(90_000);

/** A raw RESP connection collecting everything the server sends until it closes. */
class Raw {
  private readonly chunks: Buffer[] = [];
  closed = false;
  constructor(readonly socket: Socket) {
    socket.on('data', (c: Buffer) => this.chunks.push(c));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }
  static open(port: number): Promise<Raw> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new Raw(socket)));
      socket.once('error', reject);
    });
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString('latin1');
  }
  async until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out; received ${JSON.stringify(this.text)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

describe('RESP port with [security]', () => {
  let node: RunningNode;
  beforeAll(async () => {
    node = await startTestNode(
      {
        security: {
          password: 'admin-secret',
          users: { reader: { password: 'r-pass', role: 'read' }, writer: { password: 'w-pass', role: 'write' } },
        },
      },
      'resp-auth',
    );
  });
  afterAll(() => node.stop());
  const port = () => node.respPort as number;

  it('requires AUTH before commands; PING stays open', async () => {
    expect(await redisCli(port(), ['GET', 'k'])).toBe('(error) NOAUTH Authentication required.');
    expect(await redisCli(port(), ['PING'])).toBe('PONG');
  });

  it('accepts the shared password (-a) and named users (--user), and refuses bad ones', async () => {
    expect(await redisCli(port(), ['SET', 'k', 'v'], ['-a', 'admin-secret', '--no-auth-warning'])).toBe('OK');
    expect(await redisCli(port(), ['GET', 'k'], ['--user', 'reader', '--pass', 'r-pass', '--no-auth-warning'])).toBe('"v"');
    expect(await redisCli(port(), ['SET', 'k', 'w'], ['--user', 'reader', '--pass', 'r-pass', '--no-auth-warning'])).toBe('(error) NOPERM Permission denied: SET needs the write role');
    expect(await redisCli(port(), ['FLUSHDB'], ['--user', 'writer', '--pass', 'w-pass', '--no-auth-warning'])).toBe('(error) NOPERM Permission denied: FLUSHDB needs the admin role');
    expect(await redisCliSession(port(), ['AUTH wrong', 'GET k'])).toEqual(['(error) WRONGPASS invalid username-password pair or user is disabled.', '(error) NOAUTH Authentication required.']);
  });

  it('the expiry commands take their role from the command table: TTL reads, the others write', async () => {
    const reader = ['--user', 'reader', '--pass', 'r-pass', '--no-auth-warning'];
    const writer = ['--user', 'writer', '--pass', 'w-pass', '--no-auth-warning'];
    expect(await redisCli(port(), ['SET', 'ttl:k', 'v', 'EX', '100'], writer)).toBe('OK');
    expect(await redisCli(port(), ['TTL', 'ttl:k'], reader)).toMatch(/^\(integer\) ([1-9]\d?|100)$/);
    expect(await redisCli(port(), ['PTTL', 'ttl:missing'], reader)).toBe('(integer) -2');
    for (const args of [['SETEX', 'ttl:k', '10', 'v'], ['PSETEX', 'ttl:k', '10', 'v'], ['EXPIRE', 'ttl:k', '10'], ['PEXPIREAT', 'ttl:k', '10'], ['PERSIST', 'ttl:k'], ['GETEX', 'ttl:k', 'PERSIST']]) {
      expect(await redisCli(port(), args, reader)).toBe(`(error) NOPERM Permission denied: ${args[0] as string} needs the write role`);
    }
    expect(await redisCli(port(), ['PERSIST', 'ttl:k'], writer)).toBe('(integer) 1');
  });

  it('HELLO 3 AUTH authenticates; HELLO without it is refused until authenticated', async () => {
    expect(await redisCli(port(), ['HELLO', '3'])).toMatch(/^\(error\) NOAUTH HELLO must be called with the client already authenticated/);
    const out = await redisCliSession(port(), ['HELLO 3 AUTH writer w-pass', 'SET k2 v2', 'HELLO 2 AUTH default admin-secret', 'FLUSHDB']);
    expect(out[0]).toBe('1# "server" => "merklekv"');
    expect(out).toContain('OK');
    expect(out.at(-1)).toBe('OK');
  });

  it('counts refusals in the shared security counters', async () => {
    const before = (await redisCli(port(), ['INFO', 'merklekv'], ['-a', 'admin-secret', '--no-auth-warning'])).match(/denied_commands:(\d+)/)?.[1];
    await redisCli(port(), ['GET', 'k']);
    const after = (await redisCli(port(), ['INFO', 'merklekv'], ['-a', 'admin-secret', '--no-auth-warning'])).match(/denied_commands:(\d+)/)?.[1];
    expect(Number(after)).toBe(Number(before) + 1);
  });
});

describe('RESP port with admin_commands = false', () => {
  it('refuses FLUSHDB, FLUSHALL and SHUTDOWN to everyone', async () => {
    const node = await startTestNode({ security: { admin_commands: false } }, 'resp-noadmin');
    try {
      for (const command of ['FLUSHDB', 'FLUSHALL', 'SHUTDOWN']) {
        expect(await redisCli(node.respPort as number, [command])).toBe('(error) ERR Admin commands are disabled');
      }
    } finally {
      await node.stop();
    }
  });
});

describe('RESP port limits', () => {
  let node: RunningNode;
  beforeAll(async () => {
    node = await startTestNode({ network: { max_connections: 2, max_line_bytes: 64, connection_timeout: 1 } }, 'resp-limits');
  });
  afterAll(() => node.stop());

  it('refuses a request larger than max_line_bytes with an error, then closes', async () => {
    const raw = await Raw.open(node.respPort as number);
    raw.socket.write(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\n${'x'.repeat(100)}\r\n`);
    await raw.until(() => raw.closed);
    expect(raw.text).toBe('-ERR Protocol error: request too large (limit 64 bytes, [network] max_line_bytes)\r\n');
  });

  it('answers what came before a framing error, then the error, then closes', async () => {
    const raw = await Raw.open(node.respPort as number);
    raw.socket.write('*1\r\n$4\r\nPING\r\n*1\r\n:4\r\nPING\r\n');
    await raw.until(() => raw.closed);
    expect(raw.text).toBe("+PONG\r\n-ERR Protocol error: expected '$', got ':'\r\n");
  });

  it('refuses connections past max_connections with a RESP error', async () => {
    const a = await Raw.open(node.respPort as number);
    const b = await Raw.open(node.respPort as number);
    a.socket.write('PING\r\n');
    b.socket.write('PING\r\n');
    await a.until(() => a.text.length > 0);
    await b.until(() => b.text.length > 0);
    const c = await Raw.open(node.respPort as number);
    await c.until(() => c.closed);
    expect(c.text).toBe('-ERR max number of clients reached\r\n');
    a.socket.destroy();
    b.socket.destroy();
    // The slots are free once the node has seen both closes (its STATS, on the text port).
    const text = await LineClient.open(node.port);
    const deadline = Date.now() + 10_000;
    for (;;) {
      text.send('STATS\r\n');
      const lines = await text.untilEnd();
      if (lines.includes('resp_connected_clients:0')) break;
      if (Date.now() > deadline) throw new Error(`RESP connections still open: ${lines.join(' ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    text.close();
  });

  it('closes idle connections after connection_timeout', async () => {
    const raw = await Raw.open(node.respPort as number);
    await raw.until(() => raw.closed, 10_000);
    expect(raw.text).toBe('-ERR Connection idle for more than 1 s, closing\r\n');
  });

  it('serves pipelined inline commands in order', async () => {
    const raw = await Raw.open(node.respPort as number);
    raw.socket.write('SET p 1\r\nINCR p\r\nGET p\r\nGET nope\r\n');
    await raw.until(() => raw.text.split('\r\n').length >= 6);
    expect(raw.text).toBe('+OK\r\n:2\r\n$1\r\n2\r\n$-1\r\n');
    raw.socket.destroy();
  });
});

describe('RESP port over TLS', () => {
  it('serves the [network] certificate; a plaintext client is refused', async () => {
    const certs = makeTestCerts();
    const node = await startTestNode({ network: { tls_cert_file: certs.serverCert, tls_key_file: certs.serverKey } }, 'resp-tls');
    try {
      const port = node.respPort as number;
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = tlsConnect({ host: '127.0.0.1', port, ca: readFileSync(certs.caFile) }, () => socket.write('PING\r\n'));
        socket.once('data', (d: Buffer) => {
          resolve(d.toString());
          socket.destroy();
        });
        socket.once('error', reject);
      });
      expect(reply).toBe('+PONG\r\n');
      const plain = await Raw.open(port);
      plain.socket.write('PING\r\n');
      await plain.until(() => plain.closed);
      expect(plain.text).not.toContain('PONG');
    } finally {
      await node.stop();
    }
  });
});

describe('RESP back-pressure', () => {
  it('answers 20,000 pipelined GETs of a 1 KiB value, in order, to a client that reads only at the end', async () => {
    const node = await startTestNode({}, 'resp-backpressure');
    try {
      node.store.set('big', 'v'.repeat(1024));
      node.store.set('small', 's');
      const raw = await Raw.open(node.respPort as number);
      // 20 MiB of replies: past the 8 MiB high-water mark, so the node holds requests back and resumes.
      const requests = 20_000;
      let batch = '';
      for (let i = 0; i < requests; i++) batch += i === requests - 1 ? '*2\r\n$3\r\nGET\r\n$5\r\nsmall\r\n' : '*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n';
      raw.socket.pause();
      raw.socket.write(batch);
      await new Promise((r) => setTimeout(r, 200));
      raw.socket.resume();
      const big = `$1024\r\n${'v'.repeat(1024)}\r\n`;
      const total = (requests - 1) * big.length + '$1\r\ns\r\n'.length;
      const chunks: Buffer[] = [];
      let received = 0;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`received ${received} of ${total} bytes`)), 60_000);
        raw.socket.on('data', (c: Buffer) => {
          chunks.push(c);
          received += c.length;
          if (received >= total) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      const text = Buffer.concat(chunks).toString('latin1');
      expect(text.length).toBe(total);
      expect(text.endsWith(`${big}$1\r\ns\r\n`)).toBe(true);
      expect(text.split('$1024\r\n').length - 1).toBe(requests - 1);
      raw.socket.destroy();
    } finally {
      await node.stop();
    }
  });
});
