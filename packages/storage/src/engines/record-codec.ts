/**
 * The on-disk / in-Redis form of one record, shared by the lmdb and redis engines:
 *
 *   byte 0      format (0x10) | 1 if a tombstone
 *   bytes 1-8   ts, float64 little-endian (exact for every safe integer)
 *   bytes 9-10  byte length of the node id, uint16 little-endian
 *   then        the node id (UTF-8), then the value (UTF-8, to the end)
 *
 * A fixed binary layout rather than JSON/msgpack: it is the hot path of write-behind and of a
 * start-up load of millions of records.
 */
import { StorageError, StorageErrorCode } from '../errors.js';
import { makeRecord } from '../record.js';
import type { VersionedRecord } from '../record.js';

const FORMAT = 0x10;
const FORMAT_MASK = 0xf0;
const DELETED = 0x01;
const HEADER = 11;
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
  const valueBytes = r.deleted ? 0 : Buffer.byteLength(r.value, 'utf8');
  const buf = Buffer.allocUnsafe(HEADER + nodeBytes + valueBytes);
  buf[0] = FORMAT | (r.deleted ? DELETED : 0);
  buf.writeDoubleLE(r.ts, 1);
  buf.writeUInt16LE(nodeBytes, 9);
  buf.write(r.node, HEADER, nodeBytes, 'utf8');
  if (valueBytes > 0) buf.write(r.value, HEADER + nodeBytes, valueBytes, 'utf8');
  return buf;
}

/**
 * Decodes what {@link encodeRecord} wrote.
 * @throws StorageError CORRUPT_RECORD naming `key` if the bytes are not a record
 */
export function decodeRecord(key: string, buf: Uint8Array): VersionedRecord {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < HEADER || ((b[0] as number) & FORMAT_MASK) !== FORMAT) throw corrupt(key, 'unknown format');
  const flags = b[0] as number;
  const ts = b.readDoubleLE(1);
  const nodeBytes = b.readUInt16LE(9);
  if (HEADER + nodeBytes > b.length || !Number.isSafeInteger(ts) || ts < 0 || nodeBytes === 0) throw corrupt(key, 'bad header');
  const node = b.toString('utf8', HEADER, HEADER + nodeBytes);
  const deleted = (flags & DELETED) !== 0;
  if (deleted && b.length > HEADER + nodeBytes) throw corrupt(key, 'a tombstone carries a value');
  const value = deleted ? '' : b.toString('utf8', HEADER + nodeBytes);
  return makeRecord(value, ts, node, deleted);
}

function corrupt(key: string, why: string): StorageError {
  return new StorageError(StorageErrorCode.CORRUPT_RECORD, `stored record of '${key}' cannot be decoded: ${why}`);
}

/**
 * The text form of a record, for stores of strings (the redis engine): `V` or `D` (tombstone),
 * the ts in decimal, `,`, the node id's length in UTF-16 units, `:`, the node id, the value.
 * E.g. `V1742000000000000,5:node1hello`. Readable with redis-cli, and safe for any value.
 */
export function encodeRecordText(r: VersionedRecord): string {
  return `${r.deleted ? 'D' : 'V'}${r.ts},${r.node.length}:${r.node}${r.deleted ? '' : r.value}`;
}

/**
 * Decodes what {@link encodeRecordText} wrote.
 * @throws StorageError CORRUPT_RECORD naming `key` if the text is not a record
 */
export function decodeRecordText(key: string, text: string): VersionedRecord {
  const kind = text.charCodeAt(0);
  const comma = text.indexOf(',', 1);
  const colon = comma < 0 ? -1 : text.indexOf(':', comma + 1);
  if ((kind !== 0x56 && kind !== 0x44) || colon < 0) throw corrupt(key, 'unknown format');
  const tsText = text.slice(1, comma);
  const lenText = text.slice(comma + 1, colon);
  const ts = Number(tsText);
  const nodeLength = Number(lenText);
  if (!/^\d+$/.test(tsText) || !Number.isSafeInteger(ts) || !/^\d+$/.test(lenText) || nodeLength < 1 || colon + 1 + nodeLength > text.length) {
    throw corrupt(key, 'bad header');
  }
  const node = text.slice(colon + 1, colon + 1 + nodeLength);
  const value = text.slice(colon + 1 + nodeLength);
  const deleted = kind === 0x44;
  if (deleted && value !== '') throw corrupt(key, 'a tombstone carries a value');
  return makeRecord(value, ts, node, deleted);
}
