import fc from 'fast-check';
import { versionDigest, versionDigestInto, DIGEST_BYTES } from './version-digest.js';
import { MerkleError } from './errors.js';
import { bytesToString, stringToBytes } from './bytes.js';

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));
const fmix = (h: number): number => {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
};

/** Independent reference: a line-by-line port of SMHasher's byte-oriented MurmurHash3_x86_128. */
function murmur3x86x128(data: Uint8Array, seed: number): Uint8Array {
  const c1 = 0x239b961b;
  const c2 = 0xab0e9789;
  const c3 = 0x38b34ae5;
  const c4 = 0xa1e38b93;
  let [h1, h2, h3, h4] = [seed, seed, seed, seed];
  const len = data.length;
  const nblocks = Math.floor(len / 16);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < nblocks; i++) {
    let k1 = view.getUint32(i * 16, true);
    let k2 = view.getUint32(i * 16 + 4, true);
    let k3 = view.getUint32(i * 16 + 8, true);
    let k4 = view.getUint32(i * 16 + 12, true);
    k1 = Math.imul(k1, c1); k1 = rotl(k1, 15); k1 = Math.imul(k1, c2); h1 ^= k1;
    h1 = rotl(h1, 19); h1 = (h1 + h2) | 0; h1 = (Math.imul(h1, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(k2, c2); k2 = rotl(k2, 16); k2 = Math.imul(k2, c3); h2 ^= k2;
    h2 = rotl(h2, 17); h2 = (h2 + h3) | 0; h2 = (Math.imul(h2, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(k3, c3); k3 = rotl(k3, 17); k3 = Math.imul(k3, c4); h3 ^= k3;
    h3 = rotl(h3, 15); h3 = (h3 + h4) | 0; h3 = (Math.imul(h3, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(k4, c4); k4 = rotl(k4, 18); k4 = Math.imul(k4, c1); h4 ^= k4;
    h4 = rotl(h4, 13); h4 = (h4 + h1) | 0; h4 = (Math.imul(h4, 5) + 0x32ac3b17) | 0;
  }
  const tail = nblocks * 16;
  let [k1, k2, k3, k4] = [0, 0, 0, 0];
  const rest = len & 15;
  const at = (j: number): number => data[tail + j] as number;
  if (rest >= 15) k4 ^= at(14) << 16;
  if (rest >= 14) k4 ^= at(13) << 8;
  if (rest >= 13) {
    k4 ^= at(12);
    k4 = Math.imul(k4, c4); k4 = rotl(k4, 18); k4 = Math.imul(k4, c1); h4 ^= k4;
  }
  if (rest >= 12) k3 ^= at(11) << 24;
  if (rest >= 11) k3 ^= at(10) << 16;
  if (rest >= 10) k3 ^= at(9) << 8;
  if (rest >= 9) {
    k3 ^= at(8);
    k3 = Math.imul(k3, c3); k3 = rotl(k3, 17); k3 = Math.imul(k3, c4); h3 ^= k3;
  }
  if (rest >= 8) k2 ^= at(7) << 24;
  if (rest >= 7) k2 ^= at(6) << 16;
  if (rest >= 6) k2 ^= at(5) << 8;
  if (rest >= 5) {
    k2 ^= at(4);
    k2 = Math.imul(k2, c2); k2 = rotl(k2, 16); k2 = Math.imul(k2, c3); h2 ^= k2;
  }
  if (rest >= 4) k1 ^= at(3) << 24;
  if (rest >= 3) k1 ^= at(2) << 16;
  if (rest >= 2) k1 ^= at(1) << 8;
  if (rest >= 1) {
    k1 ^= at(0);
    k1 = Math.imul(k1, c1); k1 = rotl(k1, 15); k1 = Math.imul(k1, c2); h1 ^= k1;
  }
  h1 ^= len; h2 ^= len; h3 ^= len; h4 ^= len;
  h1 = (h1 + h2) | 0; h1 = (h1 + h3) | 0; h1 = (h1 + h4) | 0;
  h2 = (h2 + h1) | 0; h3 = (h3 + h1) | 0; h4 = (h4 + h1) | 0;
  h1 = fmix(h1); h2 = fmix(h2); h3 = fmix(h3); h4 = fmix(h4);
  h1 = (h1 + h2) | 0; h1 = (h1 + h3) | 0; h1 = (h1 + h4) | 0;
  h2 = (h2 + h1) | 0; h3 = (h3 + h1) | 0; h4 = (h4 + h1) | 0;
  const out = Buffer.alloc(16);
  [h1, h2, h3, h4].forEach((h, i) => out.writeUInt32LE(h >>> 0, i * 4));
  return new Uint8Array(out);
}

/** The documented encoding, built with Buffers: u32le lengths in UTF-16 units, units LE, padded to 4 bytes. */
function encode(key: string, value: string, ts: number, node: string, deleted: boolean): Uint8Array {
  const u32 = (x: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(x);
    return b;
  };
  const str = (s: string): Buffer => {
    // Lone surrogates become U+FFFD, but an escaped byte U+DC80..U+DCFF (bytes.ts) stays itself.
    const wellFormed = Array.from(s, (ch) => (ch.length === 1 && ch >= '\ud800' && ch <= '\udfff' && !(ch >= '\udc80' && ch <= '\udcff') ? '\ufffd' : ch)).join('');
    const units = Buffer.from(wellFormed, 'utf16le');
    const pad = Buffer.alloc(units.length % 4);
    return Buffer.concat([u32(wellFormed.length), units, pad]);
  };
  return Buffer.concat([str(key), str(value), u32(ts % 2 ** 32), u32(Math.floor(ts / 2 ** 32)), str(node), u32(deleted ? 1 : 0)]);
}

const reference = (k: string, v: string, t: number, n: string, d: boolean): Uint8Array => murmur3x86x128(encode(k, v, t, n, d), 0);

/**
 * The digest as it was before escaped bytes counted as themselves: every lone surrogate as U+FFFD
 * (a UTF-8 round trip). Strings without a lone U+DC80..U+DCFF must still digest exactly so.
 */
function legacyEncode(key: string, value: string, ts: number, node: string, deleted: boolean): Uint8Array {
  const u32 = (x: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(x);
    return b;
  };
  const str = (s: string): Buffer => {
    const wellFormed = Buffer.from(s, 'utf8').toString('utf8');
    const units = Buffer.from(wellFormed, 'utf16le');
    return Buffer.concat([u32(wellFormed.length), units, Buffer.alloc(units.length % 4)]);
  };
  return Buffer.concat([str(key), str(value), u32(ts % 2 ** 32), u32(Math.floor(ts / 2 ** 32)), str(node), u32(deleted ? 1 : 0)]);
}
const legacy = (k: string, v: string, t: number, n: string, d: boolean): Uint8Array => murmur3x86x128(legacyEncode(k, v, t, n, d), 0);

/** True if `s` holds a lone U+DC80..U+DCFF (an escaped byte). */
const holdsEscape = (s: string): boolean => Array.from(s).some((ch) => ch.length === 1 && ch >= '\udc80' && ch <= '\udcff');

/** A string as the RESP port makes it from arbitrary bytes (escaped bytes included). */
const byteString = fc.uint8Array({ maxLength: 40 }).map((b) => bytesToString(Buffer.from(b)));

const anyString = fc.string({ unit: 'binary', maxLength: 40 });
const ts = fc.maxSafeNat();

describe('versionDigest', () => {
  it('reference is the standard MurmurHash3_x86_128 (SMHasher verification value 0xB3ECE62A)', () => {
    // SMHasher's VerificationTest: hash {}, {0}, {0,1}, ... {0..254} with seed 256 - i, then hash the hashes.
    const hashes = Buffer.alloc(16 * 256);
    const key = new Uint8Array(256);
    for (let i = 0; i < 256; i++) {
      key[i] = i;
      hashes.set(murmur3x86x128(key.subarray(0, i), 256 - i), i * 16);
    }
    expect(Buffer.from(murmur3x86x128(hashes, 0)).readUInt32LE(0)).toBe(0xb3ece62a);
  });

  it('is MurmurHash3_x86_128 over the documented length-prefixed encoding', () => {
    fc.assert(
      fc.property(anyString, anyString, ts, anyString, fc.boolean(), (k, v, t, n, d) => {
        const got = versionDigest(k, v, t, n, d);
        expect(got.length).toBe(DIGEST_BYTES);
        expect(Array.from(got)).toEqual(Array.from(reference(k, v, t, n, d)));
      }),
      { numRuns: 300 },
    );
    for (const s of ['', 'a', 'é', '😀', '\ud800', 'x\udc00y', '\ud83d', '\ud800\ud800\udc00', '\ud800\udc00\udc00']) {
      expect(Array.from(versionDigest(s, s, 7, s || 'n', false))).toEqual(Array.from(reference(s, s, 7, s || 'n', false)));
    }
  });

  it('gives the same digests for long strings (copied natively) as the reference, odd lengths and surrogates included', () => {
    const long = fc.string({ unit: 'binary', minLength: 40, maxLength: 130 });
    fc.assert(
      fc.property(long, long, fc.boolean(), (k, v, d) => {
        expect(Array.from(versionDigest(k, v, 12345, 'node-1', d))).toEqual(Array.from(reference(k, v, 12345, 'node-1', d)));
      }),
      { numRuns: 300 },
    );
    const x = 'x'.repeat(60);
    for (const v of [x, `${x}y`, `${x}\ud800`, `\udc00${x}`, `${x}\ud83d\ude00`, `${x}\ud83d\ude00z`, `${x}\ud800\ud800\udc00`, `é${x}€`]) {
      expect(Array.from(versionDigest('k', v, 1, 'n', false))).toEqual(Array.from(reference('k', v, 1, 'n', false)));
    }
  });

  it('hashes a string and its well-formed form (lone surrogates as U+FFFD) alike', () => {
    expect(Array.from(versionDigest('k\ud800', 'v\udc00', 1, 'n', false))).toEqual(
      Array.from(versionDigest('k\ufffd', 'v\ufffd', 1, 'n', false)),
    );
  });

  it('digests every string without an escaped byte exactly as before (same -m3 digests)', () => {
    const str = fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 60 }));
    fc.assert(
      fc.property(str, str, ts, str, fc.boolean(), (k, v, t, n, d) => {
        fc.pre(!holdsEscape(k) && !holdsEscape(v) && !holdsEscape(n));
        expect(Array.from(versionDigest(k, v, t, n, d))).toEqual(Array.from(legacy(k, v, t, n, d)));
      }),
      { numRuns: 400 },
    );
  });

  it('gives values that differ only in non-UTF-8 bytes different digests', () => {
    const highByte = fc.integer({ min: 0x80, max: 0xff });
    fc.assert(
      fc.property(byteString, highByte, highByte, byteString, fc.boolean(), (before, x, y, after, long) => {
        fc.pre(x !== y);
        const pad = long ? 'p'.repeat(50) : '';
        // A lone 0x80..0xFF byte is never valid UTF-8: it is escaped, whatever its neighbours.
        const a = `${pad}${before}${bytesToString(Buffer.of(x))}${after}`;
        const b = `${pad}${before}${bytesToString(Buffer.of(y))}${after}`;
        expect(stringToBytes(a).equals(stringToBytes(b))).toBe(false);
        expect(Array.from(versionDigest('k', a, 5, 'n', false))).not.toEqual(Array.from(versionDigest('k', b, 5, 'n', false)));
        expect(Array.from(versionDigest(a, 'v', 5, 'n', false))).not.toEqual(Array.from(versionDigest(b, 'v', 5, 'n', false)));
      }),
      { numRuns: 400 },
    );
    // Before the fix both were hashed as U+FFFD: one digest for two different binary values.
    const v1 = bytesToString(Buffer.of(0x00, 0xff, 0x01));
    const v2 = bytesToString(Buffer.of(0x00, 0xfe, 0x01));
    expect(Array.from(versionDigest('k', v1, 1, 'n', false))).not.toEqual(Array.from(versionDigest('k', v2, 1, 'n', false)));
    expect(Array.from(versionDigest('k', v1, 1, 'n', false))).toEqual(Array.from(reference('k', v1, 1, 'n', false)));
  });

  it('handles values larger than its scratch array and returns independent arrays', () => {
    const big = 'é'.repeat(50_000);
    const huge = 'x'.repeat(200_000);
    const a = versionDigest('k', big, 1, 'n', false);
    const b = versionDigest('k', huge, 1, 'n', false);
    expect(Array.from(a)).toEqual(Array.from(reference('k', big, 1, 'n', false)));
    expect(Array.from(b)).toEqual(Array.from(reference('k', huge, 1, 'n', false)));
    expect(Array.from(a)).not.toEqual(Array.from(b));
  });

  it('writes into a given array with versionDigestInto', () => {
    const out = new Uint8Array(20).fill(0xaa);
    expect(versionDigestInto(out, 'k', 'v', 9, 'n', true)).toBe(out);
    expect(Array.from(out.subarray(0, 16))).toEqual(Array.from(reference('k', 'v', 9, 'n', true)));
    expect(Array.from(out.subarray(16))).toEqual([0xaa, 0xaa, 0xaa, 0xaa]);
    expect(() => versionDigestInto(new Uint8Array(15), 'k', 'v', 9, 'n', true)).toThrow(MerkleError);
  });

  it('separates fields: moving bytes between key, value and node changes the digest', () => {
    const digests = [
      versionDigest('ab', 'c', 5, 'n', false),
      versionDigest('a', 'bc', 5, 'n', false),
      versionDigest('a', 'b', 5, 'cn', false),
      versionDigest('ab', 'c', 5, 'n', true),
      versionDigest('ab', 'c', 6, 'n', false),
      versionDigest('ab', 'c', 5 + 2 ** 32, 'n', false),
    ].map((d) => Buffer.from(d).toString('hex'));
    expect(new Set(digests).size).toBe(digests.length);
  });

  it('is well mixed: flipping one input bit flips about half of the 128 output bits', () => {
    const popcount = (x: number): number => {
      let n = 0;
      for (let v = x; v !== 0; v &= v - 1) n++;
      return n;
    };
    let flips = 0;
    let samples = 0;
    for (let i = 0; i < 2000; i++) {
      const key = `key:${String(i).padStart(7, '0')}`;
      const a = versionDigest(key, 'value', 1_000_000 + i, 'node-1', false);
      const b = versionDigest(key, 'value', 1_000_000 + (i ^ 1) + 2, 'node-1', false);
      for (let j = 0; j < 16; j++) flips += popcount((a[j] as number) ^ (b[j] as number));
      samples++;
    }
    const mean = flips / samples;
    expect(mean).toBeGreaterThan(60);
    expect(mean).toBeLessThan(68);
  });

  it.each([-1, 1.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN])('rejects ts %p with INVALID_VERSION', (bad) => {
    expect(() => versionDigest('k', 'v', bad, 'n', false)).toThrow(MerkleError);
    try {
      versionDigest('k', 'v', bad, 'n', false);
    } catch (e) {
      expect((e as MerkleError).code).toBe('INVALID_VERSION');
    }
  });
});
