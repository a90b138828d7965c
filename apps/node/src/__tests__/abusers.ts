/** Misbehaving clients for the hostile-client tests; every one is bounded in time and volume. */
import { connect, type Socket } from 'node:net';
import { LineClient } from './harness.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Writes `text` one byte every `intervalMs` (a slowloris client) until it is
 * all sent or `stop()` is called; `stop` resolves with the bytes sent.
 */
export function dribble(client: LineClient, text: string, intervalMs: number): { stop(): Promise<number> } {
  const bytes = Buffer.from(text, 'utf8');
  let sent = 0;
  let stopped = false;
  const done = (async () => {
    while (!stopped && sent < bytes.length && !client.closed) {
      client.socket.write(bytes.subarray(sent, sent + 1));
      sent++;
      await sleep(intervalMs);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await done;
      return sent;
    },
  };
}

/** What a connection flood saw. */
export interface FloodResult {
  readonly attempts: number;
  /** Connections answered with exactly `refusal`, then closed by the server. */
  readonly refused: number;
  /** Anything else: a different first line, no close, a connect error. */
  readonly unexpected: readonly string[];
}

/**
 * Opens `attempts` connections, `concurrency` at a time, each expecting the
 * line `refusal` and then a close by the server within `timeoutMs`.
 */
export async function floodConnections(port: number, attempts: number, concurrency: number, refusal: string, timeoutMs = 5000): Promise<FloodResult> {
  let next = 0;
  let refused = 0;
  const unexpected: string[] = [];
  const worker = async () => {
    while (next < attempts) {
      next++;
      let client: LineClient | undefined;
      try {
        client = await LineClient.open(port);
        const line = await client.line(timeoutMs);
        if (line !== refusal) throw new Error(`first line ${JSON.stringify(line)}`);
        await client.closedByServer(timeoutMs);
        refused++;
      } catch (err) {
        unexpected.push((err as Error).message);
      } finally {
        client?.close();
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { attempts, refused, unexpected };
}

/** What a client that never reads achieved. */
export interface PipelineResult {
  /** Request bytes the abuser's kernel accepted (so at most what the node could read). */
  readonly sentBytes: number;
  /** True if writing stopped because the connection stalled (back-pressure), not because `totalBytes` was reached. */
  readonly stalled: boolean;
  /** The open, never-read socket: destroy it when done. */
  readonly socket: Socket;
}

/**
 * Connects and pipelines `request` repeatedly without ever reading a reply,
 * until `totalBytes` are written or no write drains for `stallMs`.
 */
export async function pipelineWithoutReading(port: number, request: string, totalBytes: number, stallMs: number): Promise<PipelineResult> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
  });
  socket.on('error', () => undefined);
  socket.pause();
  const block = Buffer.from(request.repeat(Math.max(1, Math.floor(65536 / request.length))));
  let sent = 0;
  while (sent < totalBytes && !socket.destroyed) {
    const piece = block.subarray(0, Math.min(block.length, totalBytes - sent));
    sent += piece.length;
    if (!socket.write(piece)) {
      const drained = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          socket.off('drain', onDrain);
          resolve(false);
        }, stallMs);
        const onDrain = () => {
          clearTimeout(timer);
          resolve(true);
        };
        socket.once('drain', onDrain);
      });
      if (!drained) return { sentBytes: socket.bytesWritten - socket.writableLength, stalled: true, socket };
    }
  }
  return { sentBytes: socket.bytesWritten - socket.writableLength, stalled: false, socket };
}
