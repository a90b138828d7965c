import { createServer } from 'node:net';

const handedOut = new Set<number>();

/**
 * A loopback port nobody listens on right now (bound, then released by the
 * OS), never the same one twice in this process, so that ports reserved for
 * a node that is down (and will restart on it) are not handed to another.
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
