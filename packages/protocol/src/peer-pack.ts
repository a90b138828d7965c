/**
 * Peer protocol 3's packed forms (docs/PROTOCOL.md "Peer protocol 3"): binary
 * summaries in base64url (RFC 4648 §5, no padding), so that a 3-byte hash
 * costs 4 characters instead of 6 hex digits and a separator, and a request
 * names its tree nodes by their indexes within one level instead of by paths.
 *
 * - Path set `level:blob`: the nodes of one level, by index (the path read as
 *   a base-`fanout` number), strictly increasing, as LEB128 varints of the
 *   first index and then of each gap minus one (`0:AA` is the root).
 * - Packed children of one node: a bitmap of its non-empty children
 *   (ceil(fanout / 8) bytes, child c in byte c >> 3, bit c & 7), then per
 *   non-empty child its key count as a varint (left out for the children of
 *   a node just above the buckets, where only emptiness is sent) and its hash
 *   truncated to `width` bytes. A reply concatenates its nodes in request
 *   order, as one base64url line.
 *
 * Pure functions, no I/O.
 */
import type { TreePath } from './command.js';
import { ProtocolError } from './errors.js';
import { show } from './show.js';

/** The nodes of one tree level, by index (strictly increasing). */
export interface PathSet {
  readonly level: number;
  readonly indexes: readonly number[];
}

/** One child in a packed summary: its key count (1 stands for "non-empty" where counts are left out) and its hash bytes. */
export interface PackedChild {
  readonly count: number;
  readonly hash: Uint8Array;
}

/** Deepest level a path set may name (as for path text). */
const MAX_LEVEL = 32;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

function invalid(message: string): ProtocolError {
  return new ProtocolError('INVALID_ARGUMENT', message);
}

/** Bytes as base64url without padding. */
export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/**
 * Reads base64url (no padding).
 * @throws ProtocolError `INVALID_ARGUMENT` for any other character or an impossible length.
 */
export function fromBase64Url(text: string, what: string): Uint8Array {
  if (!BASE64URL.test(text) || text.length % 4 === 1) throw invalid(`${what} must be base64url without padding, got '${show(text)}'`);
  return new Uint8Array(Buffer.from(text, 'base64url'));
}

/** Appends `n` (a non-negative safe integer) as an unsigned LEB128 varint. */
export function writeVarint(out: number[], n: number): void {
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

/**
 * Reads an unsigned LEB128 varint at `at`.
 * @throws ProtocolError `INVALID_ARGUMENT` when it runs past the end or beyond a safe integer.
 */
export function readVarint(bytes: Uint8Array, at: number, what: string): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = at; i < bytes.length; i++) {
    const b = bytes[i] as number;
    value += (b & 0x7f) * scale;
    if (!Number.isSafeInteger(value)) break;
    if ((b & 0x80) === 0) return { value, next: i + 1 };
    scale *= 0x80;
  }
  throw invalid(`${what}: truncated or oversized varint at byte ${at}`);
}

/** The index of `path` within its level (the path as a base-`fanout` number). */
export function pathIndex(path: TreePath, fanout: number): number {
  let index = 0;
  for (const step of path) index = index * fanout + step;
  return index;
}

/** The path of node `index` at `level` (the inverse of {@link pathIndex}). */
export function indexPath(index: number, level: number, fanout: number): number[] {
  const path = new Array<number>(level);
  let rest = index;
  for (let i = level - 1; i >= 0; i--) {
    path[i] = rest % fanout;
    rest = Math.floor(rest / fanout);
  }
  return path;
}

/**
 * Groups `paths` (in order) into path sets: each set a run of paths of one level with
 * strictly increasing indexes. Reading the sets back in order gives the paths in order.
 */
export function toPathSets(paths: readonly TreePath[], fanout: number): PathSet[] {
  const sets: Array<{ level: number; indexes: number[] }> = [];
  for (const path of paths) {
    const index = pathIndex(path, fanout);
    const last = sets[sets.length - 1];
    const prev = last?.indexes[last.indexes.length - 1];
    if (last !== undefined && last.level === path.length && prev !== undefined && index > prev) last.indexes.push(index);
    else sets.push({ level: path.length, indexes: [index] });
  }
  return sets;
}

/** The paths of `sets`, in order. */
export function fromPathSets(sets: readonly PathSet[], fanout: number): number[][] {
  return sets.flatMap((s) => s.indexes.map((i) => indexPath(i, s.level, fanout)));
}

/**
 * Writes a path set as `level:blob`.
 * @throws ProtocolError `INVALID_ARGUMENT` when it is empty, the level is out of range, or the indexes do not strictly increase.
 */
export function encodePathSet(set: PathSet): string {
  checkLevel(set.level, String(set.level));
  if (set.indexes.length === 0) throw invalid('A path set needs at least one node');
  const out: number[] = [];
  let prev = -1;
  for (const index of set.indexes) {
    if (!Number.isSafeInteger(index) || index <= prev) {
      throw invalid(`Path set indexes must be integers in strictly increasing order, got ${index} after ${prev}`);
    }
    writeVarint(out, index - prev - 1);
    prev = index;
  }
  return `${set.level}:${toBase64Url(Uint8Array.from(out))}`;
}

/**
 * Reads a path set written by {@link encodePathSet}.
 * @param what names the argument in messages, e.g. `PTREES path set`.
 * @throws ProtocolError `INVALID_ARGUMENT`.
 */
export function decodePathSet(text: string, what: string): PathSet {
  const colon = text.indexOf(':');
  const levelText = colon < 0 ? '' : text.slice(0, colon);
  if (!/^(0|[1-9][0-9]?)$/.test(levelText)) throw invalid(`${what} must be level:base64url (e.g. 2:AAE), got '${show(text)}'`);
  const level = checkLevel(Number(levelText), levelText);
  const bytes = fromBase64Url(text.slice(colon + 1), what);
  const indexes: number[] = [];
  let prev = -1;
  for (let at = 0; at < bytes.length; ) {
    const { value, next } = readVarint(bytes, at, what);
    prev = prev + 1 + value;
    if (!Number.isSafeInteger(prev)) throw invalid(`${what}: index beyond a safe integer`);
    indexes.push(prev);
    at = next;
  }
  if (indexes.length === 0) throw invalid(`${what} names no node, got '${show(text)}'`);
  return { level, indexes };
}

function checkLevel(level: number, text: string): number {
  if (!Number.isInteger(level) || level < 0 || level > MAX_LEVEL) throw invalid(`Path set level must be an integer from 0 to ${MAX_LEVEL}, got '${show(text)}'`);
  return level;
}

/**
 * Appends one node's packed children: the non-empty bitmap, then per non-empty child its count
 * (when `withCounts`) and the first `width` bytes of its hash.
 * @throws ProtocolError `INVALID_ARGUMENT` for a non-empty child whose hash is shorter than `width`, or a bad count.
 */
export function packChildren(out: number[], children: readonly PackedChild[], width: number, withCounts: boolean): void {
  const bitmapAt = out.length;
  for (let i = 0; i < Math.ceil(children.length / 8); i++) out.push(0);
  children.forEach((child, c) => {
    if (child.count === 0) return;
    if (!Number.isSafeInteger(child.count) || child.count < 0) throw invalid(`Child count must be a non-negative integer, got ${child.count}`);
    if (child.hash.length < width) throw invalid(`Child hash has ${child.hash.length} bytes, fewer than the width ${width}`);
    out[bitmapAt + (c >> 3)] = (out[bitmapAt + (c >> 3)] as number) | (1 << (c & 7));
    if (withCounts) writeVarint(out, child.count);
    for (let i = 0; i < width; i++) out.push(child.hash[i] as number);
  });
}

/**
 * Reads the packed children of consecutive nodes (the inverse of {@link packChildren}, node by node).
 * A non-empty child without a count on the wire gets count 1.
 * @param withCounts per node, whether its children carry counts.
 * @throws ProtocolError `INVALID_ARGUMENT` when the bytes end early or are left over.
 */
export function unpackChildren(bytes: Uint8Array, withCounts: readonly boolean[], fanout: number, width: number): PackedChild[][] {
  const what = 'Packed children';
  const bitmapBytes = Math.ceil(fanout / 8);
  const nodes: PackedChild[][] = [];
  let at = 0;
  for (const counted of withCounts) {
    if (at + bitmapBytes > bytes.length) throw invalid(`${what}: the reply ends before node ${nodes.length + 1} of ${withCounts.length}`);
    const bitmap = bytes.subarray(at, at + bitmapBytes);
    at += bitmapBytes;
    const children: PackedChild[] = [];
    for (let c = 0; c < fanout; c++) {
      if ((((bitmap[c >> 3] as number) >> (c & 7)) & 1) === 0) {
        children.push({ count: 0, hash: new Uint8Array(0) });
        continue;
      }
      let count = 1;
      if (counted) {
        const v = readVarint(bytes, at, what);
        if (v.value === 0) throw invalid(`${what}: a child marked non-empty has count 0`);
        count = v.value;
        at = v.next;
      }
      if (at + width > bytes.length) throw invalid(`${what}: the reply ends inside a hash`);
      children.push({ count, hash: bytes.slice(at, at + width) });
      at += width;
    }
    for (let c = fanout; c < bitmapBytes * 8; c++) {
      if ((((bitmap[c >> 3] as number) >> (c & 7)) & 1) !== 0) throw invalid(`${what}: bit ${c} set beyond the fanout ${fanout}`);
    }
    nodes.push(children);
  }
  if (at !== bytes.length) throw invalid(`${what}: ${bytes.length - at} bytes left over after ${withCounts.length} nodes`);
  return nodes;
}
