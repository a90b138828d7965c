import { readFileSync } from 'node:fs';
import { freePort, spawnNode, waitForPort, writeConfig, type NodeProcess } from './harness.js';

/** Limits of the `[network]` section a test node runs with. */
export interface NetworkLimits {
  readonly maxConnections?: number;
  readonly maxLineBytes?: number;
  /** Seconds; 0 = never close idle connections. */
  readonly connectionTimeout?: number;
}

/** A node running in its own process, so its memory can be measured apart from Jest's. */
export interface MeasuredNode {
  readonly port: number;
  readonly pid: number;
  readonly process: NodeProcess;
  /** The node's resident set size now, in bytes (VmRSS of /proc/<pid>/status). */
  rssBytes(): number;
  /** True while the process has not exited. */
  alive(): boolean;
  /** SIGTERM, then waits for the exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

/** Reads VmRSS of a Linux process, in bytes. @throws if the process is gone or /proc is missing. */
export function readRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS line in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/**
 * Spawns a memory-engine node with no broker and no anti-entropy (the way
 * `nx serve node --config` runs it) and waits until its client port accepts.
 */
export async function startMeasuredNode(limits: NetworkLimits = {}, nodeId = 'hostile'): Promise<MeasuredNode> {
  const port = await freePort();
  const network = [
    `bind_port = ${port}`,
    limits.maxConnections === undefined ? '' : `max_connections = ${limits.maxConnections}`,
    limits.maxLineBytes === undefined ? '' : `max_line_bytes = ${limits.maxLineBytes}`,
    limits.connectionTimeout === undefined ? '' : `connection_timeout = ${limits.connectionTimeout}`,
  ].filter((line) => line.length > 0);
  const toml =
    `node_id = "${nodeId}"\n[network]\n${network.join('\n')}\n[resp]\nenabled = false\n[mqtt]\nbroker_address = "none"\n` +
    `[anti_entropy]\nenabled = false\n[storage]\nengine = "memory"\n[logging]\nlevel = "warn"\n`;
  const child = spawnNode(writeConfig(toml), port);
  let exited = false;
  void child.exited.then(() => (exited = true));
  try {
    await waitForPort(port, 30_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`node did not start: ${child.output()}`, { cause: err });
  }
  const pid = child.child.pid;
  if (pid === undefined) throw new Error('spawned node has no pid');
  return {
    port,
    pid,
    process: child,
    rssBytes: () => readRssBytes(pid),
    alive: () => !exited,
    async stop(graceMs = 5000) {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await child.exited;
      clearTimeout(timer);
    },
  };
}

/** Samples a node's RSS every `everyMs` until stopped; reports the highest value seen. */
export function sampleRss(node: MeasuredNode, everyMs = 50): { stop(): number } {
  let peak = node.rssBytes();
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, node.rssBytes());
    } catch {
      // The process exited between samples; the test sees that through alive().
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      try {
        peak = Math.max(peak, node.rssBytes());
      } catch {
        // Gone: keep the last peak.
      }
      return peak;
    },
  };
}
