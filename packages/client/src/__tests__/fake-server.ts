/**
 * A scripted TCP server for the client's framing tests: each request line is
 * handed to `onLine`, which answers (or not) through the socket. Not a
 * MerkleKV node — the real-node tests use `spawnNode`.
 */
import net from 'node:net';

export interface FakeServer {
  readonly port: number;
  /** Sockets accepted so far. */
  readonly sockets: net.Socket[];
  /** Request lines received so far, in order. */
  readonly received: string[];
  close(): Promise<void>;
}

export type LineHandler = (line: string, socket: net.Socket, index: number) => void;

export async function startFakeServer(onLine: LineHandler, port = 0): Promise<FakeServer> {
  const sockets: net.Socket[] = [];
  const received: string[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let at = buffer.indexOf('\n');
      while (at >= 0) {
        const line = buffer.slice(0, at).replace(/\r$/, '');
        buffer = buffer.slice(at + 1);
        received.push(line);
        onLine(line, socket, received.length - 1);
        at = buffer.indexOf('\n');
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    sockets,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Writes `text` to `socket` in pieces of `size` bytes, one per macrotask. */
export async function writeInPieces(socket: net.Socket, text: string, size: number): Promise<void> {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) {
    socket.write(bytes.subarray(i, i + size));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

