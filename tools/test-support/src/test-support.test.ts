import { describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:net';
import { FakeClock } from './fake-clock.js';
import { FaultProxy } from './fault-proxy.js';
import { LineClient, nc } from './line-client.js';
import { freePort, portOpen, waitForPort } from './ports.js';
import { waitFor, WaitTimeoutError, withTimeout } from './wait.js';

/** A loopback server answering each line with `echo <line>`. */
async function echoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    let buffer = '';
    socket.on('data', (d: Buffer) => {
      buffer += d.toString();
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        socket.write(`echo ${buffer.slice(0, nl).replace(/\r$/, '')}\r\n`);
        buffer = buffer.slice(nl + 1);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port };
}

describe('ports and polling', () => {
  it('freePort never hands out the same port twice, and nothing listens there', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    expect(new Set(ports).size).toBe(20);
    expect(await portOpen(ports[0] as number)).toBe(false);
  });

  it('waitFor resolves with the first value that is neither undefined nor false, and names what timed out', async () => {
    let calls = 0;
    await expect(waitFor('three calls', () => (++calls >= 3 ? calls : false), { intervalMs: 1 })).resolves.toBe(3);
    const failure = await waitFor('never', () => undefined, { timeoutMs: 30, intervalMs: 5 }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WaitTimeoutError);
    expect((failure as Error).message).toMatch(/timed out after 30 ms waiting for never/);
    await expect(withTimeout('a promise that never settles', new Promise(() => undefined), 20)).rejects.toThrow(/took longer than 20 ms/);
  });

  it('waitForPort stops at once with the reason failure() gives', async () => {
    const port = await freePort();
    await expect(waitForPort(port, { failure: () => 'the server exited', timeoutMs: 10_000 })).rejects.toThrow('the server exited');
  });
});

describe('FakeClock', () => {
  it('fires timers in due order only when time is moved, synchronously with tick', () => {
    const clock = new FakeClock(100);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b'), 20);
    clock.setTimeout(() => fired.push('a'), 10);
    const cancelled = clock.setTimeout(() => fired.push('never'), 15);
    clock.clearTimeout(cancelled);
    clock.tick(9);
    expect(fired).toEqual([]);
    clock.tick(11);
    expect(fired).toEqual(['a', 'b']);
    expect(clock.now()).toBe(120);
    expect(clock.delays).toEqual([20, 10, 15]);
    expect(clock.pending).toBe(0);
  });

  it('advance lets the promises a timer starts settle before the next timer fires', async () => {
    const clock = new FakeClock();
    const seen: string[] = [];
    clock.setTimeout(() => void Promise.resolve().then(() => seen.push('first settled')), 1);
    clock.setTimeout(() => seen.push('second'), 2);
    await clock.advance(5);
    expect(seen).toEqual(['first settled', 'second']);
    expect(clock.now()).toBe(5);
  });
});

describe('FaultProxy and LineClient', () => {
  it('forwards, drops (clients reconnect through it) and cuts (new connections refused)', async () => {
    const { server, port } = await echoServer();
    const proxy = await FaultProxy.start({ targetPort: port });
    try {
      expect(await nc(proxy.port, 'one')).toBe('echo one');
      const client = await LineClient.open(proxy.port);
      expect(await client.call('two')).toBe('echo two');
      proxy.drop();
      await client.closedByServer();
      expect(await nc(proxy.port, 'three')).toBe('echo three');
      proxy.cut();
      await expect(nc(proxy.port, 'four', 2000)).rejects.toThrow();
      proxy.restore();
      expect(await nc(proxy.port, 'five')).toBe('echo five');
      expect(proxy.forwarded).toBe(4);
    } finally {
      await proxy.close();
      await new Promise((r) => server.close(r));
    }
  });
});
