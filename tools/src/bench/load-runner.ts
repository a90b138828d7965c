/**
 * The closed-loop load generator. Each connection keeps exactly one batch of
 * `pipeline` requests in flight: it writes a pre-encoded batch, counts reply
 * bytes until the whole batch is answered, records the batch's round trip as
 * the latency of each request in it, and writes the next. Raw sockets, no
 * reply parsing beyond counting, so the generator stays cheap next to the
 * server it measures. Bounded by a request count and a time limit.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { BenchError, BenchErrorCode } from './errors.js';
import { LatencyRecorder, type LatencySummary } from './latency.js';
import { LineReplyCounter } from './line-counter.js';
import { RespReplyCounter } from './resp-counter.js';
import type { WireProtocol } from './workload.js';

/** Where and how hard to drive a server. */
export interface LoadOptions {
  readonly host: string;
  readonly port: number;
  readonly protocol: WireProtocol;
  /** Concurrent connections. */
  readonly connections: number;
  /** Pre-encoded batches, cycled; connection i starts at batch i × stride. */
  readonly batches: readonly Buffer[];
  /** Requests in each batch (the pipeline depth). */
  readonly requestsPerBatch: number;
  /** Stop issuing once this many requests were sent. */
  readonly maxRequests: number;
  /** Stop issuing after this long. */
  readonly durationMs: number;
  /** Fail when no reply arrives for this long. @default 10000 */
  readonly stallTimeoutMs?: number;
}

/** What a load run measured. */
export interface LoadResult {
  /** Requests answered. */
  readonly ops: number;
  readonly errors: number;
  readonly nils: number;
  /** From the first write to the last reply. */
  readonly elapsedMs: number;
  readonly opsPerSec: number;
  /** Per-request latency (the round trip of its batch), milliseconds. */
  readonly latency: LatencySummary;
  /** CPU the generator itself used (user + system), milliseconds. */
  readonly clientCpuMs: number;
}

function openSocket(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, noDelay: true });
    const fail = (err: Error): void => {
      s.destroy();
      reject(new BenchError(BenchErrorCode.CONNECTION_FAILED, `Cannot connect to ${host}:${port}: ${err.message}`, { cause: err }));
    };
    s.once('error', fail);
    s.once('connect', () => {
      s.off('error', fail);
      resolve(s);
    });
  });
}

/**
 * Runs the load and resolves when every issued request was answered.
 * @throws BenchError `CONNECTION_FAILED` when a connection fails, closes or stalls
 */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const { batches, requestsPerBatch, protocol } = opts;
  if (batches.length === 0 || requestsPerBatch < 1 || opts.connections < 1) {
    throw new BenchError(BenchErrorCode.INVALID_OPTION, 'runLoad needs batches, requestsPerBatch ≥ 1 and connections ≥ 1');
  }
  const sockets = await Promise.all(Array.from({ length: opts.connections }, () => openSocket(opts.host, opts.port)));
  const latency = new LatencyRecorder(Math.min(1 << 20, Math.ceil(opts.maxRequests / requestsPerBatch) + 16));
  const stride = Math.max(1, Math.floor(batches.length / opts.connections));
  const stallMs = opts.stallTimeoutMs ?? 10_000;

  return new Promise<LoadResult>((resolve, reject) => {
    let issued = 0;
    let ops = 0;
    let active = sockets.length;
    let lastReply = performance.now();
    let finished = false;
    const counters = sockets.map(() => (protocol === 'resp' ? new RespReplyCounter() : new LineReplyCounter()));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const deadline = t0 + opts.durationMs;
    let tEnd = t0;

    const finish = (err?: Error): void => {
      if (finished) return;
      finished = true;
      clearInterval(watchdog);
      for (const s of sockets) s.destroy();
      if (err) {
        reject(err);
        return;
      }
      const cpu = process.cpuUsage(cpu0);
      const elapsedMs = tEnd - t0;
      resolve({
        ops,
        errors: counters.reduce((n, c) => n + c.errors, 0),
        nils: counters.reduce((n, c) => n + c.nils, 0),
        elapsedMs,
        opsPerSec: elapsedMs > 0 ? (ops * 1000) / elapsedMs : 0,
        latency: latency.summary(),
        clientCpuMs: (cpu.user + cpu.system) / 1000,
      });
    };

    const watchdog = setInterval(() => {
      if (performance.now() - lastReply > stallMs) {
        finish(new BenchError(BenchErrorCode.CONNECTION_FAILED, `No reply from ${opts.host}:${opts.port} for ${stallMs} ms`));
      }
    }, 250);

    sockets.forEach((socket, index) => {
      const counter = counters[index] as LineReplyCounter | RespReplyCounter;
      let next = (index * stride) % batches.length;
      let pending = 0;
      let sentAt = 0;

      const issue = (now: number): void => {
        if (issued + requestsPerBatch > opts.maxRequests || now >= deadline) {
          if (--active === 0) finish();
          return;
        }
        issued += requestsPerBatch;
        pending = requestsPerBatch;
        sentAt = now;
        socket.write(batches[next] as Buffer);
        next = next + 1 === batches.length ? 0 : next + 1;
      };

      socket.on('data', (chunk: Buffer) => {
        let n: number;
        try {
          n = counter.write(chunk);
        } catch (err) {
          finish(err as Error);
          return;
        }
        if (n === 0) return;
        const now = performance.now();
        lastReply = now;
        ops += n;
        pending -= n;
        if (pending < 0) {
          finish(new BenchError(BenchErrorCode.CONNECTION_FAILED, `More replies than requests from ${opts.host}:${opts.port}`));
          return;
        }
        if (pending === 0) {
          latency.record(now - sentAt);
          tEnd = now;
          issue(now);
        }
      });
      const lost = (err?: Error): void => {
        if (!finished) {
          finish(
            new BenchError(BenchErrorCode.CONNECTION_FAILED, `Connection to ${opts.host}:${opts.port} lost${err ? `: ${err.message}` : ''}`, {
              cause: err,
            }),
          );
        }
      };
      socket.on('error', lost);
      socket.on('close', () => lost());
      issue(t0);
    });
  });
}

/**
 * Sends `batches` over one connection, one at a time, waiting for all
 * replies of each (used to preload keys). Resolves with the error count.
 */
export async function sendAll(
  host: string,
  port: number,
  protocol: WireProtocol,
  batches: readonly { batch: Buffer; requests: number }[],
): Promise<{ replies: number; errors: number }> {
  const socket = await openSocket(host, port);
  const counter = protocol === 'resp' ? new RespReplyCounter() : new LineReplyCounter();
  let lastError: Error | undefined;
  socket.on('error', (err) => {
    lastError = err; // reported by the close handler below
  });
  try {
    for (const { batch, requests } of batches) {
      const target = counter.replies + requests;
      await new Promise<void>((resolve, reject) => {
        const onData = (chunk: Buffer): void => {
          try {
            counter.write(chunk);
          } catch (err) {
            cleanup();
            reject(err);
            return;
          }
          if (counter.replies >= target) {
            cleanup();
            resolve();
          }
        };
        const onClose = (): void => {
          cleanup();
          reject(new BenchError(BenchErrorCode.CONNECTION_FAILED, `Connection to ${host}:${port} closed during preload${lastError ? `: ${lastError.message}` : ''}`, { cause: lastError }));
        };
        const cleanup = (): void => {
          socket.off('data', onData);
          socket.off('close', onClose);
        };
        socket.on('data', onData);
        socket.on('close', onClose);
        socket.write(batch);
      });
    }
    return { replies: counter.replies, errors: counter.errors };
  } finally {
    socket.destroy();
  }
}
