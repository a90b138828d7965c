/*
 * The version digest: 128 bits that name one version of a key, XORed into the tree's buckets.
 *
 * Algorithm (shape id suffix `-m3`). MurmurHash3_x86_128 (Appleby, SMHasher; seed 0) over the
 * bytes of this sequence of 32-bit little-endian words:
 *
 * ```
 * u32 len(key)    key units, two per word
 * u32 len(value)  value units, two per word
 * u32 ts mod 2^32
 * u32 floor(ts / 2^32)
 * u32 len(node)   node units, two per word
 * u32 flags       bit 0: tombstone; bit 1: has an expiry
 * (only if bit 1) u32 expireAt mod 2^32, u32 floor(expireAt / 2^32)
 * ```
 *
 * A version without an expiry (`expireAt` 0) is encoded exactly as before expiry existed (flags
 * 0 or 1, no more words), so its digest is unchanged and the shape id keeps its `-m3`; one with
 * an expiry has two more words and flag bit 1, so it never shares an encoding with one without.
 *
 * A string is its UTF-16 code units (lengths count units), packed as `unit[2i] | unit[2i+1] << 16`,
 * an odd last unit alone in its word (high half 0); a lone surrogate counts as U+FFFD, as UTF-8 on
 * the wire turns it, so a string and its well-formed form hash alike — except a lone U+DC80..U+DCFF:
 * that is one raw byte 0x80..0xFF that is not UTF-8, escaped (bytes.ts, the RESP port's binary
 * values), and it counts as itself, so values that differ only in such bytes digest apart. Well-
 * formed strings and other lone surrogates hash exactly as before (same `-m3`). Every field is
 * length-prefixed, so no two distinct versions share an encoding. The digest is the four 32-bit
 * hash lanes h1..h4, each little-endian: exactly the 16 bytes a textbook
 * `MurmurHash3_x86_128(bytes, len, 0, out)` writes on a little-endian machine.
 *
 * Why not SHA-256 (the `-sha256` digest before). Digests only detect accidental divergence
 * between replicas (authenticity is the cluster HMAC's job), so a well-mixed 128-bit
 * non-cryptographic hash is enough (MurmurHash3 passes SMHasher; accidental collision odds
 * 2^-128 per pair). Computed in JS over the strings' code units — no UTF-8 encoding, no call into
 * OpenSSL — it costs, on the shared 2-core bench box (Node 20), ~0.23 µs for a 10-character key
 * and a 32-character value and ~0.37 µs with a 100-character value, against ~1.5-2.0 µs and
 * ~1.9-2.8 µs for the former SHA-256 digest (`crypto.hash`). In tools/src/bench/merkle.ts the
 * 1M-key build went from ~4.6 s to ~1.1 s and the upkeep per overwrite (two digests there) from
 * ~7-12 µs to ~3-4 µs, now mostly Map access and allocation.
 *
 * It is not collision-resistant against an adversary who picks values (MurmurHash3's mixing is
 * invertible): someone able to write to the cluster could craft two versions with one digest and
 * hide a divergence from anti-entropy. A writer can corrupt data directly anyway.
 */
import { Buffer } from 'node:buffer';
import { MerkleError } from './errors.js';

/** Bytes in a version digest (and in every tree hash). */
export const DIGEST_BYTES = 16;

/** Words up to this many reuse one scratch array; larger encodings get their own. */
const SCRATCH_WORDS = 16 * 1024;

/** The words of an encoding, and the same memory as bytes (for the native UTF-16 copy). */
interface Scratch {
  readonly words: Int32Array;
  readonly bytes: Buffer;
}

function makeScratch(words: number): Scratch {
  const buffer = new ArrayBuffer(words * 4);
  return { words: new Int32Array(buffer), bytes: Buffer.from(buffer) };
}

let scratch = makeScratch(1024);

/**
 * Strings at least this long are copied into the words by one native UTF-16LE write instead of
 * a charCodeAt loop: ~2x faster for a 100-character value (the loop costs ~2-3 ns per character
 * on a sliced string, the native call a fixed ~100 ns). Only on little-endian machines, where the
 * Int32Array view of that copy reads as the documented words.
 */
const NATIVE_COPY_UNITS = 48;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

/**
 * The digest of one version of a key (see the top of version-digest.ts): 16 bytes, a new array.
 * @param ts hybrid logical clock, a safe non-negative integer.
 * @param expireAt absolute expiry in ms, a safe non-negative integer; 0 = none.
 * @throws {MerkleError} `INVALID_VERSION` if `ts` or `expireAt` is not a safe non-negative integer.
 */
export function versionDigest(key: string, value: string, ts: number, node: string, deleted: boolean, expireAt = 0): Uint8Array {
  return versionDigestInto(new Uint8Array(DIGEST_BYTES), key, value, ts, node, deleted, expireAt);
}

/**
 * {@link versionDigest} written into `out[0..16)` instead of a new array (for callers that keep
 * digests in their own storage and must not allocate per write).
 * @returns `out`.
 * @throws {MerkleError} `INVALID_VERSION` if `ts` is not a safe non-negative integer;
 *   `INVALID_DIGEST` if `out` is shorter than 16 bytes.
 */
export function versionDigestInto(
  out: Uint8Array,
  key: string,
  value: string,
  ts: number,
  node: string,
  deleted: boolean,
  expireAt = 0,
): Uint8Array {
  if (!Number.isSafeInteger(ts) || ts < 0) {
    throw new MerkleError('INVALID_VERSION', `Invalid version ts ${ts} for key '${key}': must be a safe non-negative integer`);
  }
  if (expireAt !== 0 && (!Number.isSafeInteger(expireAt) || expireAt < 0)) {
    throw new MerkleError('INVALID_VERSION', `Invalid expireAt ${expireAt} for key '${key}': must be a safe non-negative integer`);
  }
  if (out.length < DIGEST_BYTES) {
    throw new MerkleError('INVALID_DIGEST', `Digest output for key '${key}' has ${out.length} bytes, needs ${DIGEST_BYTES}`);
  }
  const need = 9 + ((key.length + 1) >>> 1) + ((value.length + 1) >>> 1) + ((node.length + 1) >>> 1);
  let space = scratch;
  if (need > space.words.length) {
    space = makeScratch(need + 64);
    if (need <= SCRATCH_WORDS) scratch = space;
  }
  const { words, bytes } = space;
  let w = packString(words, bytes, 0, key);
  w = packString(words, bytes, w, value);
  words[w++] = ts >>> 0;
  words[w++] = Math.floor(ts / 0x1_0000_0000);
  w = packString(words, bytes, w, node);
  if (expireAt === 0) words[w++] = deleted ? 1 : 0;
  else {
    words[w++] = deleted ? 3 : 2;
    words[w++] = expireAt >>> 0;
    words[w++] = Math.floor(expireAt / 0x1_0000_0000);
  }
  murmur3x86x128(words, w, out);
  return out;
}

/** {@link packUnits}, through one native copy for long strings (see NATIVE_COPY_UNITS). */
function packString(words: Int32Array, bytes: Buffer, w: number, s: string): number {
  const n = s.length;
  if (n < NATIVE_COPY_UNITS || !LITTLE_ENDIAN) return packUnits(words, w, s);
  words[w] = n;
  const start = w + 1;
  const end = start + ((n + 1) >>> 1);
  bytes.write(s, start * 4, n * 2, 'utf16le');
  if ((n & 1) === 1) words[end - 1] = (words[end - 1] as number) & 0xffff;
  // A surrogate in either half of a word: redo the string the careful way (lone ones become U+FFFD).
  for (let i = start; i < end; i++) {
    const x = words[i] as number;
    if ((x & 0xf800) === 0xd800 || (x & 0xf800_0000) === (0xd800_0000 | 0)) return packUnits(words, w, s);
  }
  return end;
}

/** Writes `len(s)` and the code units of `s`, two per word, from word `w`; returns the next free word. */
function packUnits(words: Int32Array, w: number, s: string): number {
  const n = s.length;
  words[w++] = n;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const lo = s.charCodeAt(i);
    const hi = s.charCodeAt(i + 1);
    // Both below U+D800 (ASCII, Latin, most BMP text): no surrogate, the common case in one test.
    if ((lo | hi) < 0xd800) words[w++] = lo | (hi << 16);
    else words[w++] = wellFormedUnit(s, i) | (wellFormedUnit(s, i + 1) << 16);
  }
  if (i < n) words[w++] = wellFormedUnit(s, i);
  return w;
}

/**
 * The code unit at `i`; a lone surrogate becomes U+FFFD (what UTF-8 encoding makes of it), except
 * an escaped byte U+DC80..U+DCFF (bytes.ts), which stays itself: it stands for one raw byte.
 */
function wellFormedUnit(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if ((c & 0xf800) !== 0xd800) return c;
  if (c <= 0xdbff) {
    const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
    return next >= 0xdc00 && next <= 0xdfff ? c : 0xfffd;
  }
  const prev = i > 0 ? s.charCodeAt(i - 1) : 0;
  return (prev >= 0xd800 && prev <= 0xdbff) || (c >= 0xdc80 && c <= 0xdcff) ? c : 0xfffd;
}

/** MurmurHash3_x86_128, seed 0, over `words[0..count)` as little-endian bytes; writes h1..h4 (LE) to `out`. */
function murmur3x86x128(words: Int32Array, count: number, out: Uint8Array): void {
  let h1 = 0;
  let h2 = 0;
  let h3 = 0;
  let h4 = 0;
  let k1: number;
  let k2: number;
  let k3: number;
  let k4: number;
  const blocks = count & ~3;
  for (let i = 0; i < blocks; i += 4) {
    k1 = words[i] as number;
    k2 = words[i + 1] as number;
    k3 = words[i + 2] as number;
    k4 = words[i + 3] as number;

    k1 = Math.imul(k1, C1);
    k1 = (k1 << 15) | (k1 >>> 17);
    h1 ^= Math.imul(k1, C2);
    h1 = (h1 << 19) | (h1 >>> 13);
    h1 = (h1 + h2) | 0;
    h1 = (Math.imul(h1, 5) + 0x561ccd1b) | 0;

    k2 = Math.imul(k2, C2);
    k2 = (k2 << 16) | (k2 >>> 16);
    h2 ^= Math.imul(k2, C3);
    h2 = (h2 << 17) | (h2 >>> 15);
    h2 = (h2 + h3) | 0;
    h2 = (Math.imul(h2, 5) + 0x0bcaa747) | 0;

    k3 = Math.imul(k3, C3);
    k3 = (k3 << 17) | (k3 >>> 15);
    h3 ^= Math.imul(k3, C4);
    h3 = (h3 << 15) | (h3 >>> 17);
    h3 = (h3 + h4) | 0;
    h3 = (Math.imul(h3, 5) + 0x96cd1c35) | 0;

    k4 = Math.imul(k4, C4);
    k4 = (k4 << 18) | (k4 >>> 14);
    h4 ^= Math.imul(k4, C1);
    h4 = (h4 << 13) | (h4 >>> 19);
    h4 = (h4 + h1) | 0;
    h4 = (Math.imul(h4, 5) + 0x32ac3b17) | 0;
  }
  // Tail: 0-3 whole words (the encoding is always whole words).
  const tail = count - blocks;
  if (tail >= 3) {
    k3 = Math.imul(words[blocks + 2] as number, C3);
    k3 = (k3 << 17) | (k3 >>> 15);
    h3 ^= Math.imul(k3, C4);
  }
  if (tail >= 2) {
    k2 = Math.imul(words[blocks + 1] as number, C2);
    k2 = (k2 << 16) | (k2 >>> 16);
    h2 ^= Math.imul(k2, C3);
  }
  if (tail >= 1) {
    k1 = Math.imul(words[blocks] as number, C1);
    k1 = (k1 << 15) | (k1 >>> 17);
    h1 ^= Math.imul(k1, C2);
  }
  // Finalization; the length is in bytes.
  const len = count * 4;
  h1 ^= len;
  h2 ^= len;
  h3 ^= len;
  h4 ^= len;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix32(h1);
  h2 = fmix32(h2);
  h3 = fmix32(h3);
  h4 = fmix32(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  writeLane(out, 0, h1);
  writeLane(out, 4, h2);
  writeLane(out, 8, h3);
  writeLane(out, 12, h4);
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function writeLane(out: Uint8Array, at: number, h: number): void {
  out[at] = h;
  out[at + 1] = h >>> 8;
  out[at + 2] = h >>> 16;
  out[at + 3] = h >>> 24;
}
