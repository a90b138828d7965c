/**
 * Peer protocol 2 (docs/PROTOCOL.md "Peer protocol 2"): the batched commands
 * the level-synchronous anti-entropy asks, each answering many tree nodes in
 * one reply. Pure reads of the store and its tree except PUTVS (an LWW merge
 * per version, like PUTV).
 */
import { childSummaries, subtreeEntries, subtreeKeys } from '@merklekv/merkle';
import { encodeStamp, encodeVersion, formatChild, formatTreePath, PEER_PROTOCOL_VERSION } from '@merklekv/protocol';
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
