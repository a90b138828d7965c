/**
 * The on-disk / in-Redis form of one record, shared by the lmdb and redis engines:
 *
 *   byte 0      format (0x10) | 1 if a tombstone | 2 if it has an expiry
 *   bytes 1-8   ts, float64 little-endian (exact for every safe integer)
 *   bytes 9-10  byte length of the node id, uint16 little-endian
 *   bytes 11-18 only with flag 2: expireAt (ms), float64 little-endian
 *   then        the node id (UTF-8), then the value (its bytes, to the end)
 *
 * A value's bytes are its UTF-8, except that an escaped byte U+DC80..U+DCFF (a byte that is not
 * UTF-8, from a binary RESP value; merkle's bytes.ts) is written as that raw byte, and read back
 * as the same escape: `stringToBytes` / `bytesToString`. A value without one is its plain UTF-8,
 * byte for byte as before.
 *
 * A record without an expiry is written exactly as before expiry existed, so older files load
 * unchanged.
 *
 * A fixed binary layout rather than JSON/msgpack: it is the hot path of write-behind and of a
 * start-up load of millions of records.
 */
import { bytesToString, holdsEscapedBytes, stringToBytes } from '@merklekv/merkle';
import { StorageError, StorageErrorCode } from '../errors.js';
import { makeRecord } from '../record.js';
import type { VersionedRecord } from '../record.js';

const FORMAT = 0x10;
const FORMAT_MASK = 0xf0;
const DELETED = 0x01;
const EXPIRES = 0x02;
const HEADER = 11;
const EXPIRY_BYTES = 8;
const MAX_NODE_BYTES = 0xffff;

/**
 * Encodes a record.
 * @throws StorageError INVALID_ARGUMENT when the node id is longer than 65,535 bytes
 */
export function encodeRecord(r: VersionedRecord): Buffer {
  const nodeBytes = Buffer.byteLength(r.node, 'utf8');
  if (nodeBytes > MAX_NODE_BYTES) {
    throw new StorageError(StorageErrorCode.INVALID_ARGUMENT, `node id is too long to store (${nodeBytes} bytes, limit ${MAX_NODE_BYTES})`);
  }
  const raw = !r.deleted && holdsEscapedBytes(r.value) ? stringToBytes(r.value) : undefined;
  const valueBytes = r.deleted ? 0 : raw !== undefined ? raw.length : Buffer.byteLength(r.value, 'utf8');
  const expireAt = r.expireAt ?? 0;
  const header = expireAt === 0 ? HEADER : HEADER + EXPIRY_BYTES;
  const buf = Buffer.allocUnsafe(header + nodeBytes + valueBytes);
  buf[0] = FORMAT | (r.deleted ? DELETED : 0) | (expireAt === 0 ? 0 : EXPIRES);
  buf.writeDoubleLE(r.ts, 1);
  buf.writeUInt16LE(nodeBytes, 9);
  if (expireAt !== 0) buf.writeDoubleLE(expireAt, HEADER);
  buf.write(r.node, header, nodeBytes, 'utf8');
  if (raw !== undefined) raw.copy(buf, header + nodeBytes);
  else if (valueBytes > 0) buf.write(r.value, header + nodeBytes, valueBytes, 'utf8');
  return buf;
}

/**
 * Decodes what {@link encodeRecord} wrote.
 * @throws StorageError CORRUPT_RECORD naming `key` if the bytes are not a record
 */
export function decodeRecord(key: string, buf: Uint8Array): VersionedRecord {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const why = shared.decode(b, b.length);
  if (why !== undefined) throw corruptRecord(key, why);
  return makeRecord(shared.value, shared.ts, shared.node, shared.deleted, shared.expireAt);
}

/** Buffer's own UTF-8 slicer (what `toString('utf8', …)` ends in, without its argument checks), if this runtime has it. */
type Utf8Slicer = (this: Buffer, start: number, end: number) => string;
const nativeUtf8Slice = (Buffer.prototype as unknown as { utf8Slice?: Utf8Slicer }).utf8Slice;
const utf8Slice: (b: Buffer, start: number, end: number) => string =
  typeof nativeUtf8Slice === 'function' ? (b, start, end) => nativeUtf8Slice.call(b, start, end) : (b, start, end) => b.toString('utf8', start, end);

/**
 * The binary decoder of the load path. It makes no object per record: {@link decode} leaves the
 * fields of the record in the decoder itself (valid until the next call), so a bulk load builds
 * the one object it keeps (the store's record) and nothing else. lmdb-js hands it its shared read
 * buffer, so no Buffer is made per record either. A record's node id is one of a handful of
 * strings: the decoder keeps the last one it read with its bytes and returns that same string
 * while the bytes match, so a run of records by one node decodes its id once.
 */
export class RecordDecoder {
  /** The value of the record last decoded ('' for a tombstone). */
  value = '';
  /** Its ts. */
  ts = 0;
  /** Its node id. */
  node = '';
  /** True if it is a tombstone. */
  deleted = false;
  /** Its expiry in ms (0 = none). */
  expireAt = 0;
  private nodeBytes: Uint8Array = new Uint8Array(0);

  /**
   * Decodes the record in `b[0..end)` into this decoder's fields.
   * @returns undefined, or why the bytes are not a record (the caller names the key in its error)
   */
  decode(b: Buffer, end: number): string | undefined {
    if (end < HEADER || ((b[0] as number) & FORMAT_MASK) !== FORMAT) return 'unknown format';
    const flags = b[0] as number;
    const ts = b.readDoubleLE(1);
    const nodeBytes = (b[9] as number) | ((b[10] as number) << 8);
    const header = (flags & EXPIRES) === 0 ? HEADER : HEADER + EXPIRY_BYTES;
    if (header + nodeBytes > end || !Number.isSafeInteger(ts) || ts < 0 || nodeBytes === 0) return 'bad header';
    const expireAt = header === HEADER ? 0 : b.readDoubleLE(HEADER);
    if (!Number.isSafeInteger(expireAt) || expireAt < 0) return 'bad expiry';
    const deleted = (flags & DELETED) !== 0;
    if (deleted && end > header + nodeBytes) return 'a tombstone carries a value';
    this.node = this.nodeAt(b, header, nodeBytes);
    this.value = deleted ? '' : bytesToString(b, header + nodeBytes, end);
    this.ts = ts;
    this.deleted = deleted;
    this.expireAt = expireAt;
    return undefined;
  }

  private nodeAt(b: Buffer, start: number, length: number): string {
    const known = this.nodeBytes;
    let same = known.length === length;
    for (let i = 0; same && i < length; i++) same = known[i] === b[start + i];
    if (!same) {
      this.nodeBytes = Uint8Array.prototype.slice.call(b, start, start + length);
      return utf8Slice(b, start, start + length);
    }
    return this.node;
  }
}

const shared = new RecordDecoder();

/** The CORRUPT_RECORD error for the record stored under `key` (`why`: what is wrong with its bytes). */
export function corruptRecord(key: string, why: string): StorageError {
  return new StorageError(StorageErrorCode.CORRUPT_RECORD, `stored record of '${key}' cannot be decoded: ${why}`);
}

/**
 * The text form of a record, for stores of strings (the redis engine; it sends the text as
 * `stringToBytes(text)` and reads it back with `bytesToString`, so escaped bytes stay raw bytes): `V` or `D` (tombstone),
 * the ts in decimal, `,`, the node id's length in UTF-16 units, `:`, the node id, the value.
 * E.g. `V1742000000000000,5:node1hello`. Readable with redis-cli, and safe for any value.
 * A record with an expiry has `@` and its expireAt (ms) after the ts:
 * `V1742000000000000@1742000060000,5:node1hello`; one without is written as before expiry existed.
 */
export function encodeRecordText(r: VersionedRecord): string {
  const expireAt = r.expireAt ?? 0;
  const ts = expireAt === 0 ? `${r.ts}` : `${r.ts}@${expireAt}`;
  return `${r.deleted ? 'D' : 'V'}${ts},${r.node.length}:${r.node}${r.deleted ? '' : r.value}`;
}

/**
 * Decodes what {@link encodeRecordText} wrote.
 * @throws StorageError CORRUPT_RECORD naming `key` if the text is not a record
 */
export function decodeRecordText(key: string, text: string): VersionedRecord {
  const kind = text.charCodeAt(0);
  const comma = text.indexOf(',', 1);
  const colon = comma < 0 ? -1 : text.indexOf(':', comma + 1);
  if ((kind !== 0x56 && kind !== 0x44) || colon < 0) throw corruptRecord(key, 'unknown format');
  const at = text.indexOf('@', 1);
  const expiry = at > 0 && at < comma;
  const tsText = text.slice(1, expiry ? at : comma);
  const expireText = expiry ? text.slice(at + 1, comma) : '0';
  const lenText = text.slice(comma + 1, colon);
  const ts = Number(tsText);
  const expireAt = Number(expireText);
  const nodeLength = Number(lenText);
  if (
    !/^\d+$/.test(tsText) ||
    !Number.isSafeInteger(ts) ||
    !/^\d+$/.test(expireText) ||
    !Number.isSafeInteger(expireAt) ||
    !/^\d+$/.test(lenText) ||
    nodeLength < 1 ||
    colon + 1 + nodeLength > text.length
  ) {
    throw corruptRecord(key, 'bad header');
  }
  const node = text.slice(colon + 1, colon + 1 + nodeLength);
  const value = text.slice(colon + 1 + nodeLength);
  const deleted = kind === 0x44;
  if (deleted && value !== '') throw corruptRecord(key, 'a tombstone carries a value');
  return makeRecord(value, ts, node, deleted, expireAt);
}
