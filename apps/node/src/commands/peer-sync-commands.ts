/**
 * Peer protocol 2 (docs/PROTOCOL.md "Peer protocol 2"): the batched commands
 * the level-synchronous anti-entropy asks, each answering many tree nodes in
 * one reply. Pure reads of the store and its tree except PUTVS (an LWW merge
 * per version, like PUTV).
 */
import { childSummaries, subtreeEntries, subtreeKeys } from '@merklekv/merkle';
import type { TreeShape } from '@merklekv/merkle';
import {
  encodeStamp,
  encodeVersion,
  formatChild,
  formatTreePath,
  formatPackedEntry,
  fromPathSets,
  packTreeChildren,
  PEER_PROTOCOL_VERSION,
} from '@merklekv/protocol';
import type { PathSet } from '@merklekv/protocol';
import { CRLF, type Handler } from './context.js';
import { CommandError } from './errors.js';

export const peerv: Handler<'PEERV'> = ({ version }) => `PEERV ${Math.min(version, PEER_PROTOCOL_VERSION)}${CRLF}`;

export const trees: Handler<'TREES'> = ({ width, paths }, { store }) => {
  const tree = store.tree;
  const { depth } = tree.shape;
  let out = '';
  for (const path of paths) {
    if (path.length >= depth) throw new CommandError(`TREES path ${formatTreePath(path)} is a leaf bucket; ask ENTRIES for it`);
    out += childSummaries(tree, path, width).map((c) => formatChild(c.count, c.hash)).join(' ') + CRLF;
  }
  return `${out}END${CRLF}`;
};

export const entries: Handler<'ENTRIES'> = ({ width, paths }, { store }) => {
  const tree = store.tree;
  const digestOf = (key: string): Uint8Array | undefined => store.digestOf(key);
  let out = '';
  for (const path of paths) {
    for (const { key, digest } of subtreeEntries(tree, digestOf, path, width)) out += `${key} ${digest}${CRLF}`;
  }
  return `${out}END${CRLF}`;
};

/** The paths of `sets`, each index checked against the tree (`deepest`: the deepest level allowed). */
function setPaths(type: string, sets: readonly PathSet[], shape: TreeShape, deepest: number): number[][] {
  for (const { level, indexes } of sets) {
    if (level > deepest) {
      throw new CommandError(
        type === 'PTREES' ? `PTREES level ${level} is the leaf buckets' or deeper; ask PENTRIES for them` : `${type} level ${level} is deeper than the tree (${shape.depth} levels)`,
      );
    }
    const last = indexes[indexes.length - 1] ?? 0;
    if (last >= shape.fanout ** level) throw new CommandError(`${type} index ${last} is outside level ${level} (0..${shape.fanout ** level - 1})`);
  }
  return fromPathSets(sets, shape.fanout);
}

/** Peer protocol 3: TREES packed (peer-pack.ts): one base64url line for all the nodes, counts left out just above the buckets. */
export const ptrees: Handler<'PTREES'> = ({ width, sets }, { store }) => {
  const tree = store.tree;
  return `${packTreeChildren(tree, setPaths('PTREES', sets, tree.shape, tree.shape.depth - 1), width)}${CRLF}END${CRLF}`;
};

/** Peer protocol 3: ENTRIES with digests in base64url. */
export const pentries: Handler<'PENTRIES'> = ({ width, sets }, { store }) => {
  const tree = store.tree;
  const digestOf = (key: string): Uint8Array | undefined => store.digestOf(key);
  let out = '';
  for (const path of setPaths('PENTRIES', sets, tree.shape, tree.shape.depth)) {
    for (const { key, digest } of subtreeEntries(tree, digestOf, path, width)) out += formatPackedEntry(key, digest) + CRLF;
  }
  return `${out}END${CRLF}`;
};

export const records: Handler<'RECORDS'> = ({ paths }, { store }) => {
  const tree = store.tree;
  const parts: string[] = [];
  for (const path of paths) {
    for (const key of subtreeKeys(tree, path)) {
      const r = store.getVersion(key);
      if (r !== undefined) parts.push(encodeVersion({ key, ts: r.ts, node: r.node, deleted: r.deleted, value: r.value, expireAt: r.expireAt ?? 0 }));
    }
  }
  parts.push('END');
  return parts.join(CRLF) + CRLF;
};

export const stamps: Handler<'STAMPS'> = ({ paths }, { store }) => {
  const tree = store.tree;
  const parts: string[] = [];
  for (const path of paths) {
    for (const key of subtreeKeys(tree, path)) {
      const r = store.getVersion(key);
      if (r !== undefined) parts.push(encodeStamp({ key, ts: r.ts, node: r.node, deleted: r.deleted, expireAt: r.expireAt ?? 0 }));
    }
  }
  parts.push('END');
  return parts.join(CRLF) + CRLF;
};

export const putvs: Handler<'PUTVS'> = ({ versions }, { store }) => {
  let applied = 0;
  for (const { key, ...record } of versions) if (store.merge(key, record) === 'applied') applied += 1;
  return `OK applied=${applied} stale=${versions.length - applied}${CRLF}`;
};
