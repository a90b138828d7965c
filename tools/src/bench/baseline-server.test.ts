import type { AddressInfo, Server } from 'node:net';
import { connect } from 'node:net';
import { startBaselineServer } from './baseline-server.js';
import { floorBackend, type FloorBackend } from './floor-backend.js';

/** Sends `chunks` one write apart and resolves with the reply text once `lines` lines arrived. */
function exchange(port: number, chunks: readonly string[], lines: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`timed out with ${JSON.stringify(text)}`));
    }, 5000);
    socket.on('error', reject);
    socket.on('data', (d: Buffer) => {
      text += d.toString('utf8');
      if (text.split('\r\n').length - 1 >= lines) {
        clearTimeout(timer);
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('connect', async () => {
      for (const c of chunks) {
        socket.write(c);
        await new Promise((r) => setTimeout(r, 10));
      }
    });
  });
}

describe('baseline server', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = await startBaselineServer(0);
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('answers pipelined SET, GET and PING in order', async () => {
    const reply = await exchange(port, ['SET k1 hello world\r\nGET k1\r\nGET nope\nPING\r\n'], 4);
    expect(reply).toBe('OK\r\nhello world\r\n(null)\r\nPONG\r\n');
  });

  it('joins lines split across chunks at any byte', async () => {
    const reply = await exchange(port, ['SE', 'T k2 v', 'alue\r', '\nGET k', '2\r\n'], 2);
    expect(reply).toBe('OK\r\nvalue\r\n');
  });

  it('answers an unknown command with an error line', async () => {
    await expect(exchange(port, ['FROB x\r\n'], 1)).resolves.toMatch(/^ERROR: /);
  });
});

describe('baseline server with the floor backend', () => {
  let server: Server;
  let port: number;
  let floor: FloorBackend;
  beforeAll(async () => {
    floor = await floorBackend();
    server = await startBaselineServer(0, floor);
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await floor.close();
  });

  it('answers like the baseline and keeps the tree of what it was sent', async () => {
    const reply = await exchange(port, ['SET a 1\r\nSET b 2\r\nSET a 3\r\nGET a\r\nGET c\r\n'], 5);
    expect(reply).toBe('OK\r\nOK\r\nOK\r\n3\r\n(null)\r\n');
    expect(floor.tree.size).toBe(2);
    expect(floor.versions().get('a')?.value).toBe('3');
  });
});
