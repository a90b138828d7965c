import { connect, createServer } from 'node:net';
import { waitFor } from './wait.js';

const handedOut = new Set<number>();

/**
 * A loopback port nobody listens on right now (bound, then released by the
 * OS), never the same one twice in this process, so that a port reserved for
 * a server that is down (and will restart on it) is not handed to another.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free loopback port after 50 attempts');
}

/** Resolves true when something accepts TCP connections on the loopback port. */
export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Options of {@link waitForPort}. */
export interface WaitForPortOptions {
  /** @default 20_000 */
  readonly timeoutMs?: number;
  /** What is expected to listen there, for the failure message. @default 'a server' */
  readonly what?: string;
  /** Returns a reason to stop waiting at once (e.g. "the server exited"), or undefined to go on. */
  readonly failure?: () => string | undefined;
}

/**
 * Waits until the loopback port accepts connections (`options` may be just the timeout in ms).
 * @throws Error at once when `failure()` names a reason; WaitTimeoutError after `timeoutMs`
 */
export async function waitForPort(port: number, options: WaitForPortOptions | number = {}): Promise<void> {
  const opts = typeof options === 'number' ? { timeoutMs: options } : options;
  let failed: string | undefined;
  await waitFor(
    `${opts.what ?? 'a server'} on port ${port}`,
    async () => {
      failed = opts.failure?.();
      if (failed !== undefined) return true;
      return portOpen(port);
    },
    { timeoutMs: opts.timeoutMs ?? 20_000, intervalMs: 20 },
  );
  if (failed !== undefined) throw new Error(failed);
}
