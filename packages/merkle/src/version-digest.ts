import { Buffer } from 'node:buffer';
import { hash } from 'node:crypto';
import { MerkleError } from './errors.js';

/** Bytes in a version digest (and in every tree hash). */
export const DIGEST_BYTES = 16;

/** Encodings up to this size reuse one scratch buffer; larger ones get their own. */
const SCRATCH_BYTES = 64 * 1024;
let scratch = Buffer.allocUnsafe(4096);

/**
 * The digest of one version of a key: the first 16 bytes of SHA-256 over
 *
 * ```
 * u32be len(key)   key   (UTF-8)
 * u32be len(value) value (UTF-8)
 * u64be ts
 * u32be len(node)  node  (UTF-8)
 * u8    deleted (1 = tombstone)
 * ```
 *
 * Every field is length-prefixed, so no two distinct versions share an
 * encoding. Two replicas hold the same version exactly when the digests match.
 * @param ts hybrid logical clock, a safe non-negative integer.
 * @throws {MerkleError} `INVALID_VERSION` if `ts` is not a safe non-negative integer.
 */
export function versionDigest(key: string, value: string, ts: number, node: string, deleted: boolean): Uint8Array {
  if (!Number.isSafeInteger(ts) || ts < 0) {
    throw new MerkleError('INVALID_VERSION', `Invalid version ts ${ts} for key '${key}': must be a safe non-negative integer`);
  }
  // Upper bound: UTF-8 needs at most 3 bytes per UTF-16 code unit.
  const bound = 21 + 3 * (key.length + value.length + node.length);
  let buf = scratch;
  if (bound > buf.length) {
    buf = Buffer.allocUnsafe(bound);
    if (bound <= SCRATCH_BYTES) scratch = buf;
  }
  let o = 4;
  let n = writeUtf8(buf, key, o);
  writeU32(buf, 0, n);
  o += n;
  n = writeUtf8(buf, value, o + 4);
  writeU32(buf, o, n);
  o += 4 + n;
  writeU32(buf, o, Math.floor(ts / 0x1_0000_0000));
  writeU32(buf, o + 4, ts >>> 0);
  o += 8;
  n = writeUtf8(buf, node, o + 4);
  writeU32(buf, o, n);
  o += 4 + n;
  buf[o++] = deleted ? 1 : 0;
  const full = hash('sha256', buf.subarray(0, o), 'buffer');
  return new Uint8Array(full.buffer, full.byteOffset, DIGEST_BYTES);
}

/**
 * Writes `s` as UTF-8 at `at`; returns the bytes written. Short ASCII strings
 * (keys, node ids, small values) are copied in JS, which beats a native call.
 */
function writeUtf8(buf: Buffer, s: string, at: number): number {
  const n = s.length;
  if (n > 64) return buf.write(s, at, 'utf8');
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return buf.write(s, at, 'utf8');
    buf[at + i] = c;
  }
  return n;
}

function writeU32(buf: Buffer, at: number, x: number): void {
  buf[at] = x >>> 24;
  buf[at + 1] = (x >>> 16) & 0xff;
  buf[at + 2] = (x >>> 8) & 0xff;
  buf[at + 3] = x & 0xff;
}
