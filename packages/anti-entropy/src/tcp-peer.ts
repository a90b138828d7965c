import type { ConnectionOptions } from 'node:tls';
import { createClient, noRetry, ServerError } from '@merklekv/client';
import { parseShapeId } from '@merklekv/merkle';
import type { ChildSummary, LeafEntry, TreePath, TreeShape } from '@merklekv/merkle';
import { formatTreePath, PEER_PROTOCOL_VERSION, toPathSets, unpackTreeChildren, type WireVersion } from '@merklekv/protocol';
import type { PathSet } from '@merklekv/protocol';
import type { VersionedRecord } from '@merklekv/storage';
import { parsePeerAddress } from './address.js';
import { AntiEntropyError } from './errors.js';
import type { Peer, PeerProtocol2, VersionStamp } from './peer.js';

/** A version as GETV returns it and PUTV takes it: the protocol's `WireVersion`. */
export type WireVersionLike = WireVersion;

/** The client methods the TCP adapter uses; `@merklekv/client`'s `MerkleKVClient` has them. */
export interface TreeClient {
  hash(): Promise<{ root: string; count: number; shape: string }>;
  tree(path: TreePath): Promise<string[]>;
  leaf(path: TreePath, cursor?: string): Promise<{ entries: LeafEntry[]; cursor?: string }>;
  getv(keys: readonly string[]): Promise<(WireVersionLike | null)[]>;
  putv(version: WireVersionLike): Promise<'APPLIED' | 'STALE'>;
  close(): Promise<void>;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  /** Peer protocol 2; a client without these speaks protocol 1 only. */
  peerv?(version: number): Promise<number>;
  trees?(width: number, paths: readonly TreePath[]): Promise<ChildSummary[][]>;
  entries?(width: number, paths: readonly TreePath[]): Promise<LeafEntry[]>;
  records?(paths: readonly TreePath[]): Promise<WireVersionLike[]>;
  stamps?(paths: readonly TreePath[]): Promise<Array<Omit<WireVersionLike, 'value'>>>;
  putvs?(versions: readonly WireVersionLike[]): Promise<{ applied: number; stale: number }>;
  /** Peer protocol 3 (packed); a client without these speaks protocol 2 at most. */
  ptrees?(width: number, sets: readonly PathSet[]): Promise<string>;
  pentries?(width: number, sets: readonly PathSet[]): Promise<LeafEntry[]>;
}

/** Options of {@link connectTcpPeer}. */
export interface TcpPeerOptions {
  /** Per-request timeout. @default 10000 */
  readonly timeoutMs?: number;
  /** Keys per GETV line; several lines are pipelined. @default 100 */
  readonly getvBatch?: number;
  /** PUTV requests in flight at once (pipelined). @default 256 */
  readonly putvWindow?: number;
  /** Largest PUTVS request line, in bytes (below the peer's line limit, 1 MiB by default). @default 524288 */
  readonly pushLineBytes?: number;
  /** LEAF pages read for one bucket before giving up. @default 10000 */
  readonly maxLeafPages?: number;
  /**
   * The cluster secret: the connection authenticates as a cluster peer (a
   * challenge-response in which both sides prove they hold it; it is never sent).
   * @default no authentication
   */
  readonly peerSecret?: string;
  /** Connect with TLS using these options. @default plain TCP */
  readonly tls?: ConnectionOptions;
  /** Makes the client; tests inject a fake. @default `@merklekv/client`'s createClient, no reconnect */
  readonly createClient?: (opts: TreeClientOptions) => TreeClient;
}

/** What {@link TcpPeerOptions.createClient} is given. */
export interface TreeClientOptions {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
  readonly peerSecret?: string;
  readonly tls?: ConnectionOptions;
}

/**
 * A {@link Peer} over the client protocol: HASH, TREE, LEAF (all pages), GETV
 * (keys in batches of `getvBatch`, pipelined) and PUTV (pipelined, at most
 * `putvWindow` in flight). The connection does not reconnect: a session that
 * loses its peer fails and the next one connects afresh.
 *
 * @throws AntiEntropyError `INVALID_ADDRESS` when `address` is not `host:port`.
 */
export function connectTcpPeer(address: string, opts: TcpPeerOptions = {}): Peer {
  const { host, port } = parsePeerAddress(address);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const getvBatch = opts.getvBatch ?? 100;
  const putvWindow = opts.putvWindow ?? 256;
  const maxLeafPages = opts.maxLeafPages ?? 10_000;
  const make = opts.createClient ?? defaultClient;
  const client = make({
    host,
    port,
    timeoutMs,
    ...(opts.peerSecret !== undefined ? { peerSecret: opts.peerSecret } : {}),
    ...(opts.tls !== undefined ? { tls: opts.tls } : {}),
  });

  // The tree shape from the last HASH: PTREES replies are read with it.
  let shape: TreeShape | undefined;
  const shapeOf = (): TreeShape => {
    if (shape === undefined) throw new AntiEntropyError('PEER_PROTOCOL', `PTREES to ${address} before HASH: the tree shape is not known yet`);
    return shape;
  };
  return {
    async root() {
      const reply = await client.hash();
      if (shape?.id !== reply.shape) shape = parseShapeId(reply.shape);
      return { hash: reply.root, count: reply.count, shape: reply.shape };
    },
    children: (path: TreePath) => client.tree(path),
    async leaf(path: TreePath): Promise<LeafEntry[]> {
      const entries: LeafEntry[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < maxLeafPages; page += 1) {
        const reply = await client.leaf(path, cursor);
        entries.push(...reply.entries);
        if (reply.cursor === undefined) return entries;
        if (reply.cursor === cursor) break;
        cursor = reply.cursor;
      }
      throw new AntiEntropyError(
        'PEER_PROTOCOL',
        `LEAF ${formatTreePath(path)} from ${address} did not end within ${maxLeafPages} pages`,
      );
    },
    async getVersions(keys: string[]) {
      const batches: string[][] = [];
      for (let i = 0; i < keys.length; i += getvBatch) batches.push(keys.slice(i, i + getvBatch));
      const replies = await Promise.all(batches.map((batch) => client.getv(batch)));
      const found = new Map<string, VersionedRecord>();
      replies.forEach((reply, b) => {
        const batch = batches[b] ?? [];
        if (reply.length !== batch.length) {
          throw new AntiEntropyError(
            'PEER_PROTOCOL',
            `GETV to ${address} asked for ${batch.length} keys and got ${reply.length} versions`,
          );
        }
        for (const version of reply) {
          if (version === null) continue;
          found.set(version.key, {
            value: version.value,
            ts: version.ts,
            node: version.node,
            deleted: version.deleted,
            expireAt: version.expireAt ?? 0,
          });
        }
      });
      return found;
    },
    async putVersions(versions: Array<[string, VersionedRecord]>) {
      for (let i = 0; i < versions.length; i += putvWindow) {
        const window = versions.slice(i, i + putvWindow);
        await Promise.all(
          window.map(([key, v]) => client.putv({ key, ts: v.ts, node: v.node, deleted: v.deleted, value: v.value, expireAt: v.expireAt ?? 0 })),
        );
      }
    },
    close: () => client.close(),
    bytes: () => client.bytesRead + client.bytesWritten,
    ...(hasProtocol2(client) ? { protocol2: protocol2(client, opts.pushLineBytes ?? 512 * 1024, shapeOf, address) } : {}),
  };
}

/** Paths per TREES or ENTRIES request line; the lines of one batch are pipelined. */
const PATHS_PER_LINE = 512;

type Protocol2Client = TreeClient & Required<Pick<TreeClient, 'peerv' | 'trees' | 'entries' | 'records' | 'stamps' | 'putvs'>>;

function hasProtocol2(client: TreeClient): client is Protocol2Client {
  return (
    client.peerv !== undefined &&
    client.trees !== undefined &&
    client.entries !== undefined &&
    client.records !== undefined &&
    client.stamps !== undefined &&
    client.putvs !== undefined
  );
}

/** Protocol 2 over the client: big batches split into request lines, all pipelined. */
function protocol2(client: Protocol2Client, pushLineBytes: number, shapeOf: () => TreeShape, address: string): PeerProtocol2 {
  const packed = client.ptrees !== undefined && client.pentries !== undefined ? { ptrees: client.ptrees.bind(client), pentries: client.pentries.bind(client) } : undefined;
  // The version agreed by the last PEERV: 3 sends PTREES/PENTRIES, 2 the text TREES/ENTRIES.
  let agreed = 2;
  return {
    async version(max = PEER_PROTOCOL_VERSION) {
      const mine = Math.min(max, packed === undefined ? 2 : PEER_PROTOCOL_VERSION);
      try {
        agreed = Math.min(await client.peerv(mine), mine);
        return agreed;
      } catch (error) {
        // An older node does not know the command: it speaks protocol 1.
        if (error instanceof ServerError && error.serverMessage.startsWith('Invalid command')) return 1;
        throw error;
      }
    },
    async children(paths, width) {
      const parts = chunk(paths, PATHS_PER_LINE);
      if (agreed >= 3 && packed !== undefined) {
        const shape = shapeOf();
        const blobs = await Promise.all(parts.map((part) => packed.ptrees(width, toPathSets(part, shape.fanout))));
        return blobs.flatMap((blob, i) => {
          try {
            return unpackTreeChildren(blob, parts[i] ?? [], shape, width);
          } catch (error) {
            const reason = error instanceof Error ? error.message : String(error);
            throw new AntiEntropyError('PEER_PROTOCOL', `PTREES reply from ${address} does not hold the ${parts[i]?.length ?? 0} nodes asked: ${reason}`);
          }
        });
      }
      const replies = await Promise.all(parts.map((part) => client.trees(width, part)));
      return replies.flat();
    },
    async entries(paths, width) {
      const parts = chunk(paths, PATHS_PER_LINE);
      if (agreed >= 3 && packed !== undefined) {
        const { fanout } = shapeOf();
        return (await Promise.all(parts.map((part) => packed.pentries(width, toPathSets(part, fanout))))).flat();
      }
      const replies = await Promise.all(parts.map((part) => client.entries(width, part)));
      return replies.flat();
    },
    async records(paths) {
      const versions = await client.records(paths);
      return versions.map((v): [string, VersionedRecord] => [v.key, { value: v.value, ts: v.ts, node: v.node, deleted: v.deleted, expireAt: v.expireAt ?? 0 }]);
    },
    async stamps(paths) {
      const stamps = await client.stamps(paths);
      // The reply's stamp objects serve as they are (a bulk session reads 200,000 of them; no copies).
      return stamps.map((s): [string, VersionStamp] => [s.key, s]);
    },
    async putMany(versions) {
      const lines: WireVersionLike[][] = [];
      let line: WireVersionLike[] = [];
      let size = 0;
      for (const [key, v] of versions) {
        // key, ts, node, flag (with its expireAt) and a value that quoting can at most quadruple (plus quotes and spaces).
        const estimate = Buffer.byteLength(key) + Buffer.byteLength(v.node) + 4 * Buffer.byteLength(v.value) + 32;
        if (line.length > 0 && size + estimate > pushLineBytes) {
          lines.push(line);
          line = [];
          size = 0;
        }
        line.push({ key, ts: v.ts, node: v.node, deleted: v.deleted, value: v.value, expireAt: v.expireAt ?? 0 });
        size += estimate;
      }
      if (line.length > 0) lines.push(line);
      await Promise.all(lines.map((part) => client.putvs(part)));
    },
  };
}

function chunk<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

function defaultClient(opts: TreeClientOptions): TreeClient {
  return createClient({ ...opts, retry: noRetry });
}
