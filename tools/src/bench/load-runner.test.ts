import { createServer, type Server } from 'node:net';
import { processTreeCpuSeconds } from './cpu-time.js';
import { runLoad, sendAll } from './load-runner.js';
import { startBenchRedis, waitForPing, type ServerHandle } from './servers.js';
import { buildBatches, buildPreload } from './workload.js';

/** A minimal in-process line-protocol server (SET/GET/PING) standing in for a node. */
function startLineServer(): Promise<{ server: Server; port: number; store: Map<string, string>; requests: () => number }> {
  const store = new Map<string, string>();
  let requests = 0;
  const server = createServer((socket) => {
    let buf = '';
    socket.on('data', (d: Buffer) => {
      buf += d.toString();
      let out = '';
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        const [cmd, key, ...rest] = line.split(' ');
        requests++;
        if (cmd === 'SET' && key !== undefined) {
          store.set(key, rest.join(' '));
          out += 'OK\r\n';
        } else if (cmd === 'GET' && key !== undefined) {
          out += `${store.get(key) ?? '(null)'}\r\n`;
        } else if (cmd === 'PING') {
          out += 'PONG\r\n';
        } else {
          out += `ERROR: Invalid command '${cmd}'\r\n`;
        }
      }
      socket.write(out);
    });
    socket.on('error', () => socket.destroy());
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      resolve({ server, port: typeof addr === 'object' && addr ? addr.port : 0, store, requests: () => requests });
    }),
  );
}

describe('runLoad against a line-protocol stand-in', () => {
  let srv: Awaited<ReturnType<typeof startLineServer>>;
  beforeAll(async () => {
    srv = await startLineServer();
  });
  afterAll(() => new Promise<void>((r) => srv.server.close(() => r())));

  it('preloads every key, then answers exactly the bounded number of requests', async () => {
    const spec = { keySpace: 200, valueSize: 8, getRatio: 1, pipeline: 4, seed: 9 };
    const pre = await sendAll('127.0.0.1', srv.port, 'merklekv', buildPreload(spec, 'merklekv', 16));
    expect(pre).toEqual({ replies: 200, errors: 0 });
    expect(srv.store.size).toBe(200);
    const before = srv.requests();
    const r = await runLoad({
      host: '127.0.0.1', port: srv.port, protocol: 'merklekv', connections: 5,
      batches: buildBatches(spec, 'merklekv', 64), requestsPerBatch: 4, maxRequests: 2000, durationMs: 10_000,
    });
    expect(r.ops).toBe(2000);
    expect(srv.requests() - before).toBe(2000);
    expect(r.errors).toBe(0);
    expect(r.nils).toBe(0);
    expect(r.latency.count).toBe(500);
    expect(r.latency.p50).toBeGreaterThan(0);
    expect(r.latency.p99).toBeGreaterThanOrEqual(r.latency.p50);
    expect(r.opsPerSec).toBeGreaterThan(0);
  });

  it('stops at the time limit and counts nils and errors', async () => {
    const spec = { keySpace: 10, valueSize: 8, getRatio: 1, pipeline: 1, seed: 1 };
    const misses = buildBatches({ ...spec, keySpace: 1_000_000 }, 'merklekv', 8);
    const t0 = Date.now();
    const r = await runLoad({
      host: '127.0.0.1', port: srv.port, protocol: 'merklekv', connections: 2,
      batches: [...misses, Buffer.from('BOGUS\r\n')], requestsPerBatch: 1, maxRequests: 1e9, durationMs: 300,
    });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(r.ops).toBeGreaterThan(0);
    expect(r.elapsedMs).toBeLessThan(1000);
    expect(r.errors).toBeGreaterThan(0);
    expect(r.nils + r.errors).toBe(r.ops);
  });

  it('fails clearly when nothing listens', async () => {
    const closed = await startLineServer();
    await new Promise<void>((r) => closed.server.close(() => r()));
    await expect(
      runLoad({ host: '127.0.0.1', port: closed.port, protocol: 'merklekv', connections: 1, batches: [Buffer.from('PING\r\n')], requestsPerBatch: 1, maxRequests: 1, durationMs: 100 }),
    ).rejects.toMatchObject({ code: 'CONNECTION_FAILED' });
  });
});

describe('runLoad against a real redis-server', () => {
  let redis: ServerHandle;
  beforeAll(async () => {
    redis = await startBenchRedis();
  }, 15_000);
  afterAll(async () => {
    await redis.stop();
  });

  it('drives RESP SETs and GETs and sees the server burn CPU', async () => {
    await waitForPing(redis.host, redis.port, 2000);
    const spec = { keySpace: 500, valueSize: 16, getRatio: 0, pipeline: 16, seed: 2 };
    const pre = await sendAll(redis.host, redis.port, 'resp', buildPreload(spec, 'resp', 100));
    expect(pre).toEqual({ replies: 500, errors: 0 });
    const cpu0 = processTreeCpuSeconds(redis.pid as number);
    for (const getRatio of [0, 1, 0.5]) {
      const r = await runLoad({
        host: redis.host, port: redis.port, protocol: 'resp', connections: 4,
        batches: buildBatches({ ...spec, getRatio }, 'resp', 32), requestsPerBatch: 16, maxRequests: 16_000, durationMs: 10_000,
      });
      expect(r.ops).toBe(16_000);
      expect(r.errors).toBe(0);
      expect(r.nils).toBe(0); // every key was preloaded
    }
    expect(processTreeCpuSeconds(redis.pid as number)).toBeGreaterThanOrEqual(cpu0);
  }, 30_000);
});
