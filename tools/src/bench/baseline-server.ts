/**
 * The reference server of `bench kv --servers ...,baseline`: the least a
 * Node.js process can do to answer the bench's SET/GET text protocol. It
 * splits lines with `Buffer.indexOf`, keeps a `Map<string, string>`, answers
 * `SET key value` with `OK`, `GET key` with the value or `(null)` and `PING`
 * with `PONG`, and writes one reply string per data chunk. No validation, no
 * quoting, no counters: its CPU per operation is Node's floor on this machine,
 * measured side by side with MerkleKV and Redis.
 *
 * Run as its own process: `node --import tsx baseline-server.ts PORT`.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { pathToFileURL } from 'node:url';

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;

/** One line's reply (without the CRLF), or undefined to ignore the line. */
function answer(store: Map<string, string>, chunk: Buffer, start: number, end: number): string {
  const cmdEnd = chunk.indexOf(SPACE, start);
  const wordEnd = cmdEnd === -1 || cmdEnd > end ? end : cmdEnd;
  const word = chunk.toString('latin1', start, wordEnd).toUpperCase();
  if (word === 'PING') return 'PONG';
  if (wordEnd === end) return 'ERROR: Unknown command';
  const keyEnd0 = chunk.indexOf(SPACE, wordEnd + 1);
  const keyEnd = keyEnd0 === -1 || keyEnd0 > end ? end : keyEnd0;
  const key = chunk.toString('utf8', wordEnd + 1, keyEnd);
  if (word === 'GET') return store.get(key) ?? '(null)';
  if (word === 'SET' && keyEnd < end) {
    store.set(key, chunk.toString('utf8', keyEnd + 1, end));
    return 'OK';
  }
  return 'ERROR: Unknown command';
}

/** Serves one connection: complete lines of each chunk are answered in one write. */
function serve(socket: Socket, store: Map<string, string>): void {
  let tail: Buffer | undefined;
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  socket.on('data', (data: Buffer) => {
    const chunk = tail === undefined ? data : Buffer.concat([tail, data]);
    tail = undefined;
    let out = '';
    let start = 0;
    for (let lf = chunk.indexOf(LF); lf !== -1; lf = chunk.indexOf(LF, start)) {
      const end = lf > start && chunk[lf - 1] === CR ? lf - 1 : lf;
      if (end > start) out += `${answer(store, chunk, start, end)}\r\n`;
      start = lf + 1;
    }
    if (start < chunk.length) tail = Buffer.from(chunk.subarray(start));
    if (out.length > 0) socket.write(out);
  });
}

/**
 * Starts the baseline server on `port` (0 for any free port) on 127.0.0.1.
 * @returns the listening server; `server.address()` gives the port.
 */
export function startBaselineServer(port: number): Promise<Server> {
  const store = new Map<string, string>();
  const server = createServer((socket) => serve(socket, store));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const port = Number(process.argv[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    process.stderr.write(`usage: baseline-server PORT (got '${process.argv[2] ?? ''}')\n`);
    process.exit(2);
  }
  await startBaselineServer(port);
  process.once('SIGTERM', () => process.exit(0));
}
