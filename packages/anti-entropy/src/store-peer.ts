import type { LeafEntry, TreePath } from '@merklekv/merkle';
import { formatTreePath } from '@merklekv/protocol';
import type { Store, VersionedRecord } from '@merklekv/storage';
import type { Peer } from './peer.js';

/** The part of a Store that {@link storePeer} serves. */
export type PeerStore = Pick<Store, 'remoteTree' | 'getVersion' | 'merge'>;

/**
 * A {@link Peer} over a Store in the same process: what a node would answer to
 * HASH, TREE, LEAF, GETV and PUTV, without a socket. For tests, in-process
 * clusters and tools. `bytes()` is the size the same exchange would have on
 * the wire (request and reply lines), so reports are comparable with TCP.
 */
export function storePeer(store: PeerStore): Peer {
  const tree = store.remoteTree();
  let bytes = 0;
  const count = (...lines: string[]): void => {
    for (const line of lines) bytes += Buffer.byteLength(line) + 2;
  };
  return {
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
  return `${key} ${v.ts} ${v.node} ${v.deleted ? 1 : 0} ${v.value}`;
}
