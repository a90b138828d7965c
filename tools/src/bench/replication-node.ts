/**
 * A node's own write throughput with replication off and on, through its
 * client port: the built node (`apps/node/dist/main.js`, `npx nx build node`)
 * started twice, once with `broker_address = "none"` and once publishing every
 * write to a mosquitto broker, each driven by the kv load generator (SET,
 * 50 connections, pipeline depth 16, bounded requests). Reported: ops/s and
 * the node's CPU per operation (utime + stime from /proc), and the on/off
 * ratios. This is what a client of a replicating node sees; the in-process
 * figure beside it isolates the replicator's own cost.
 */
import { processTreeCpuSeconds } from './cpu-time.js';
import { runLoad, sendAll } from './load-runner.js';
import { nodeConfigToml, startBenchNode, stopBenchNode } from './servers.js';
import { buildBatches, buildPreload } from './workload.js';

/** One run of a node under SET load. */
export interface NodeWriteRun {
  readonly opsPerSec: number;
  readonly cpuMicrosPerOp: number;
}

/**
 * Starts the built node with `broker` (`none` or a URL), loads it with
 * `requests` pipelined SETs and stops it.
 */
export async function nodeWriteRun(broker: string, requests: number): Promise<NodeWriteRun> {
  const node = await startBenchNode({
    launch: 'built',
    toml: (port) => nodeConfigToml(port, { broker, nodeId: 'writer', topicPrefix: `bench-repl-${process.pid}` }),
    startTimeoutMs: 20_000,
  });
  const port = node.port;
  try {
    const spec = { keySpace: 100_000, valueSize: 32, getRatio: 0, pipeline: 16, seed: 7 };
    await sendAll('127.0.0.1', port, 'merklekv', buildPreload(spec, 'merklekv', 256));
    const pid = node.pid as number;
    const cpu0 = processTreeCpuSeconds(pid);
    const result = await runLoad({
      host: '127.0.0.1',
      port,
      protocol: 'merklekv',
      connections: 50,
      batches: buildBatches(spec, 'merklekv', 4096),
      requestsPerBatch: 16,
      maxRequests: requests,
      durationMs: 15_000,
    });
    const cpu = processTreeCpuSeconds(pid) - cpu0;
    return { opsPerSec: result.opsPerSec, cpuMicrosPerOp: (cpu * 1e6) / result.ops };
  } finally {
    await stopBenchNode(node);
  }
}
