/**
 * Asks one peer how it is, over the peer protocol (the client port): `INFO`
 * and `HASH` pipelined on one short-lived connection, authenticated as a
 * cluster peer when a cluster secret is set, bounded by a deadline. A peer
 * that does not answer in time is reported unreachable with the reason.
 */
import type { ConnectionOptions } from 'node:tls';
import { createClient, noRetry, type InfoSections, type TreeRoot } from '@merklekv/client';
import { parsePeerAddress } from '@merklekv/anti-entropy';

/** What a peer said about itself. */
export interface PeerFacts {
  readonly nodeId: string | undefined;
  readonly keys: number | undefined;
  /** Records held, tombstones included (HASH's count). */
  readonly records: number;
  /** Merkle root, hex. */
  readonly root: string;
  /** Replication as the peer reports it; null when it runs without MQTT. */
  readonly replication: { readonly connected: boolean; readonly queueDepth: number | undefined } | null;
  /** The peer's `# Activity` INFO section; undefined for a node that has none. */
  readonly activity: PeerActivity | undefined;
}

/** Per-second figures a node reports in INFO `# Activity`. */
export interface PeerActivity {
  readonly opsPerSec: number | undefined;
  readonly p99LatencyMs: number | undefined;
  readonly replicationInPerSec: number | undefined;
  readonly replicationOutPerSec: number | undefined;
}

/** The outcome of one probe. */
export type PeerProbe =
  | { readonly up: true; readonly at: number; readonly ms: number; readonly facts: PeerFacts }
  | { readonly up: false; readonly at: number; readonly ms: number; readonly error: string };

/** Options of {@link probePeer}. */
export interface ProbeOptions {
  /** The whole probe (connect, authenticate, both replies) must finish within this. */
  readonly timeoutMs: number;
  readonly peerSecret?: string;
  readonly tls?: ConnectionOptions;
  /** @default Date.now */
  readonly clock?: () => number;
}

/** Probes `address` (`host:port`); never throws. */
export async function probePeer(address: string, opts: ProbeOptions): Promise<PeerProbe> {
  const clock = opts.clock ?? Date.now;
  const started = clock();
  let timer: NodeJS.Timeout | undefined;
  let client;
  try {
    const { host, port } = parsePeerAddress(address);
    client = createClient({
      host,
      port,
      timeoutMs: opts.timeoutMs,
      retry: noRetry,
      ...(opts.peerSecret !== undefined ? { peerSecret: opts.peerSecret } : {}),
      ...(opts.tls !== undefined ? { tls: opts.tls } : {}),
    });
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    });
    const [info, hash] = await Promise.race([Promise.all([client.info(), client.hash()]), deadline]);
    const at = clock();
    return { up: true, at, ms: at - started, facts: peerFacts(info, hash) };
  } catch (error) {
    const at = clock();
    return { up: false, at, ms: at - started, error: describe(error) };
  } finally {
    clearTimeout(timer);
    client?.destroy();
  }
}

/** Reads the figures the status page shows out of a peer's INFO and HASH replies. */
export function peerFacts(info: InfoSections, hash: TreeRoot): PeerFacts {
  const server = info['Server Information'] ?? {};
  const replication = info['Replication'];
  const activity = info['Activity'];
  return {
    nodeId: server['node_id'],
    keys: numberOf(server['total_keys']),
    records: hash.count,
    root: hash.root,
    replication:
      replication === undefined
        ? null
        : { connected: replication['connected'] === 'true', queueDepth: numberOf(replication['queue_depth']) },
    activity:
      activity === undefined
        ? undefined
        : {
            opsPerSec: numberOf(activity['ops_per_sec']),
            p99LatencyMs: numberOf(activity['p99_latency_ms']),
            replicationInPerSec: numberOf(activity['replication_in_per_sec']),
            replicationOutPerSec: numberOf(activity['replication_out_per_sec']),
          },
  };
}

/** The error's message, with its cause's code (ECONNREFUSED, ...) when the message does not say it. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const why = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
  return why === undefined || error.message.includes(why) ? error.message : `${error.message}: ${why}`;
}

function numberOf(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}
