import { childSummaries, subtreeEntries, subtreeKeys } from '@merklekv/merkle';
import type { LeafEntry, TreePath } from '@merklekv/merkle';
import { encodePathSet, formatPackedEntry, formatTreePath, packTreeChildren, toPathSets, unpackTreeChildren } from '@merklekv/protocol';
import type { Store, VersionedRecord } from '@merklekv/storage';
import type { Peer, PeerProtocol2, VersionStamp } from './peer.js';

/** The part of a Store that {@link storePeer} serves. */
export type PeerStore = Pick<Store, 'remoteTree' | 'getVersion' | 'merge' | 'tree' | 'digestOf'>;

/** Options of {@link storePeer}. */
export interface StorePeerOptions {
  /**
   * The peer protocol this peer speaks: 1 answers PEERV as an older node does (`Invalid command`),
   * 2 answers `PEERV 2` and has no packed commands (PTREES/PENTRIES). @default 3
   */
  readonly protocol?: 1 | 2 | 3;
}

/**
 * A {@link Peer} over a Store in the same process: what a node would answer to
 * HASH, TREE, LEAF, GETV and PUTV, without a socket. For tests, in-process
 * clusters and tools. `bytes()` is the size the same exchange would have on
 * the wire (request and reply lines), so reports are comparable with TCP.
 */
export function storePeer(store: PeerStore, opts: StorePeerOptions = {}): Peer {
  const tree = store.remoteTree();
  let bytes = 0;
  const count = (...lines: string[]): void => {
    for (const line of lines) bytes += Buffer.byteLength(line) + 2;
  };
  const speaks = opts.protocol ?? 3;
  let agreed = 2;
  const protocol2: PeerProtocol2 = {
    async version(max = 3) {
      if (speaks === 1) {
        count(`PEERV ${max}`, "ERROR: Invalid command 'PEERV'");
        return 1;
      }
      agreed = Math.min(max, speaks);
      count(`PEERV ${max}`, `PEERV ${agreed}`);
      return agreed;
    },
    async children(paths, width) {
      if (agreed >= 3) {
        // The same line a node writes, read back as the TCP peer reads it.
        const blob = packTreeChildren(store.tree, paths, width);
        count(`PTREES ${width} ${sets(paths)}`, blob, 'END');
        return unpackTreeChildren(blob, paths, store.tree.shape, width);
      }
      const replies = paths.map((p) => childSummaries(store.tree, p, width));
      count(
        `TREES ${width} ${paths.map((p) => formatTreePath(p)).join(' ')}`,
        ...replies.map((cs) => cs.map((c) => (c.count === 0 ? '0' : `${c.count}:${c.hash}`)).join(' ')),
        'END',
      );
      return replies;
    },
    async entries(paths, width) {
      const entries = paths.flatMap((p) => subtreeEntries(store.tree, (key) => store.digestOf(key), p, width));
      if (agreed >= 3) {
        count(`PENTRIES ${width} ${sets(paths)}`, ...entries.map((e) => formatPackedEntry(e.key, e.digest)), 'END');
        return entries;
      }
      count(`ENTRIES ${width} ${paths.map((p) => formatTreePath(p)).join(' ')}`, ...entries.map((e) => `${e.key} ${e.digest}`), 'END');
      return entries;
    },
    async records(paths) {
      const out: Array<[string, VersionedRecord]> = [];
      for (const p of paths) {
        for (const key of subtreeKeys(store.tree, p)) {
          const v = store.getVersion(key);
          if (v !== undefined) out.push([key, v]);
        }
      }
      count(`RECORDS ${paths.map((p) => formatTreePath(p)).join(' ')}`, ...out.map(([k, v]) => versionLine(k, v)), 'END');
      return out;
    },
    async stamps(paths) {
      const out: Array<[string, VersionStamp]> = [];
      for (const p of paths) {
        for (const key of subtreeKeys(store.tree, p)) {
          const v = store.getVersion(key);
          if (v !== undefined) out.push([key, { ts: v.ts, node: v.node, deleted: v.deleted, expireAt: v.expireAt ?? 0 }]);
        }
      }
      count(`STAMPS ${paths.map((p) => formatTreePath(p)).join(' ')}`, ...out.map(([k, v]) => `${k} ${v.ts} ${v.node} ${flag(v)}`), 'END');
      return out;
    },
    async putMany(versions) {
      let applied = 0;
      for (const [key, version] of versions) if (store.merge(key, version) === 'applied') applied += 1;
      count(`PUTVS ${versions.map(([k, v]) => versionLine(k, v)).join(' ')}`, `OK applied=${applied} stale=${versions.length - applied}`);
    },
  };
  const sets = (paths: readonly TreePath[]): string => toPathSets(paths, store.tree.shape.fanout).map(encodePathSet).join(' ');
  return {
    protocol2,
    async root() {
      const root = await tree.root();
      count('HASH', `${root.hash} ${root.count} ${root.shape}`);
      return root;
    },
    async children(path: TreePath) {
      const hashes = await tree.children(path);
      count(`TREE ${formatTreePath(path)}`, hashes.join(' '));
      return hashes;
    },
    async leaf(path: TreePath): Promise<LeafEntry[]> {
      const entries = await tree.leaf(path);
      count(`LEAF ${formatTreePath(path)}`, ...entries.map((e) => `${e.key} ${e.digest}`), 'END');
      return entries;
    },
    async getVersions(keys: string[]) {
      const found = new Map<string, VersionedRecord>();
      const lines = [`GETV ${keys.join(' ')}`];
      for (const key of keys) {
        const version = store.getVersion(key);
        if (version === undefined) {
          lines.push(`${key} -`);
        } else {
          found.set(key, version);
          lines.push(versionLine(key, version));
        }
      }
      count(...lines, 'END');
      return found;
    },
    async putVersions(versions: Array<[string, VersionedRecord]>) {
      for (const [key, version] of versions) {
        const outcome = store.merge(key, version);
        count(`PUTV ${versionLine(key, version)}`, outcome === 'applied' ? 'APPLIED' : 'STALE');
      }
    },
    async close() {},
    bytes: () => bytes,
  };
}


function versionLine(key: string, v: VersionedRecord): string {
  return `${key} ${v.ts} ${v.node} ${flag(v)} ${v.value}`;
}

/** The deleted flag as the wire writes it: `0`/`1`, then `:expireAt` when the version has an expiry. */
function flag(v: VersionStamp): string {
  const e = v.expireAt ?? 0;
  return e === 0 ? (v.deleted ? '1' : '0') : `${v.deleted ? 1 : 0}:${e}`;
}
