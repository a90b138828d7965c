/**
 * The reference server of `bench kv --servers ...,baseline`: the least a
 * Node.js process can do to answer the bench's SET/GET text protocol. It
 * splits lines with `Buffer.indexOf`, keeps a `Map<string, string>`, answers
 * `SET key value` with `OK`, `GET key` with the value or `(null)` and `PING`
 * with `PONG`, and writes one reply string per data chunk. No validation, no
 * quoting, no counters: its CPU per operation is Node's floor on this machine,
 * measured side by side with MerkleKV and Redis.
 *
 * Run as its own process: `node --import tsx baseline-server.ts PORT`. With `--floor [BROKER_URL]`
 * it keeps the floor's backend instead of a `Map` (floor-backend.ts): the least a server doing
 * MerkleKV's per-write work can cost.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { floorBackend } from './floor-backend.js';

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;

/**
 * What the reference server keeps: a `Map` (the baseline), or the floor's store and tree
 * (floor-backend.ts). `endOfChunk` runs after each chunk's lines were answered.
 */
export interface KvBackend {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  endOfChunk?(): void;
  close?(): Promise<void>;
}

/** The baseline's backend: one `Map` operation per request. */
export function mapBackend(): KvBackend {
  const map = new Map<string, string>();
  return { get: (key) => map.get(key), set: (key, value) => void map.set(key, value) };
}

/** One line's reply (without the CRLF), or undefined to ignore the line. */
function answer(store: KvBackend, chunk: Buffer, start: number, end: number): string {
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
function serve(socket: Socket, store: KvBackend): void {
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
    store.endOfChunk?.();
    if (out.length > 0) socket.write(out);
  });
}

/**
 * Starts the baseline server on `port` (0 for any free port) on 127.0.0.1.
 * @returns the listening server; `server.address()` gives the port.
 */
export function startBaselineServer(port: number, store: KvBackend = mapBackend()): Promise<Server> {
  const server = createServer((socket) => serve(socket, store));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const [portArg, mode, brokerUrl] = process.argv.slice(2);
  const port = Number(portArg);
  if (!Number.isInteger(port) || port < 1 || port > 65535 || (mode !== undefined && mode !== '--floor')) {
    process.stderr.write(`usage: baseline-server PORT [--floor [BROKER_URL]] (got '${process.argv.slice(2).join(' ')}')\n`);
    process.exit(2);
  }
  const backend = mode === '--floor' ? await floorBackend({ brokerUrl }) : mapBackend();
  await startBaselineServer(port, backend);
  process.once('SIGTERM', () => process.exit(0));
}
