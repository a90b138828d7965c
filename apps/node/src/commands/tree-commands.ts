import { encodeVersion, formatTreePath, type WireVersion } from '@merklekv/protocol';
import { toHex } from '@merklekv/merkle';
import type { VersionedRecord } from '@merklekv/storage';
import { CRLF, type Handler } from './context.js';
import { CommandError } from './errors.js';

/** LEAF replies are paged so that one reply stays bounded whatever a bucket holds. */
const LEAF_PAGE = 1000;

export const hash: Handler<'HASH'> = (_command, { store }) =>
  `${store.tree.rootHex()} ${store.recordCount} ${store.tree.shape.id}${CRLF}`;

export const tree: Handler<'TREE'> = ({ path }, { store }) => {
  if (path.length >= store.tree.shape.depth) throw new CommandError(`TREE path ${formatTreePath(path)} is a leaf; use LEAF`);
  assertPath(path, store.tree.shape.fanout);
  return store.tree.childHashes(path).map(toHex).join(' ') + CRLF;
};

export const leaf: Handler<'LEAF'> = ({ path, cursor }, { store }) => {
  if (path.length !== store.tree.shape.depth) throw new CommandError(`LEAF path must have ${store.tree.shape.depth} levels, got ${path.length}`);
  assertPath(path, store.tree.shape.fanout);
  const entries = store.leafEntries(path);
  const start = cursor === undefined ? 0 : Number(cursor);
  if (!Number.isSafeInteger(start) || start < 0) throw new CommandError(`LEAF cursor must be a non-negative integer, got '${cursor}'`);
  const page = entries.slice(start, start + LEAF_PAGE);
  let out = '';
  for (const { key, digest } of page) out += `${key} ${digest}${CRLF}`;
  const next = start + page.length;
  return `${out}${next < entries.length ? `END ${next}` : 'END'}${CRLF}`;
};

export const getv: Handler<'GETV'> = ({ keys }, { store }) => {
  let out = '';
  for (const key of keys) {
    const record = store.getVersion(key);
    out += (record ? encodeVersion(toWire(key, record)) : `${key} -`) + CRLF;
  }
  return `${out}END${CRLF}`;
};

export const putv: Handler<'PUTV'> = ({ version }, { store }) => {
  const { key, ...record } = version;
  return store.merge(key, record) === 'applied' ? `APPLIED${CRLF}` : `STALE${CRLF}`;
};

export const sync: Handler<'SYNC'> = async ({ peer }, { syncNow }) => {
  if (!syncNow) throw new CommandError('anti-entropy is not available on this node');
  const r = await syncNow(peer);
  return `OK round_trips=${r.roundTrips} bytes=${r.bytes} keys_pulled=${r.pulled} keys_pushed=${r.pushed} ms=${r.ms} mode=${r.mode}${CRLF}`;
};

function toWire(key: string, record: VersionedRecord): WireVersion {
  return { key, ts: record.ts, node: record.node, deleted: record.deleted, value: record.value, expireAt: record.expireAt ?? 0 };
}

function assertPath(path: readonly number[], fanout: number): void {
  for (const index of path) {
    if (!Number.isInteger(index) || index < 0 || index >= fanout) {
      throw new CommandError(`tree path index ${index} is out of range 0..${fanout - 1}`);
    }
  }
}
