/**
 * The 32-bit hash that places a key in a leaf bucket: FNV-1a (offset basis
 * 0x811c9dc5, prime 0x01000193) over the key's UTF-8 bytes, then MurmurHash3's
 * `fmix32` finalizer so that the high bits (the ones a bucket index uses) depend
 * on every byte. Every node must compute exactly this; it is part of the shape
 * id's `-m3` contract together with the version digest and the node hash. The bytes are those of
 * `stringToBytes(key)` (bytes.ts): an escaped byte U+DC80..U+DCFF is its raw byte, any other lone
 * surrogate encodes as U+FFFD, as `Buffer.from(key, 'utf8')` does.
 *
 * Not cryptographic: a bucket is chosen among at most 2^24, so brute force
 * finds colliding keys whatever the hash; speed is what matters here (~25 ns).
 */
export function keyHash32(key: string): number {
  let h = 0x811c9dc5;
  const n = key.length;
  for (let i = 0; i < n; i++) {
    let c = key.charCodeAt(i);
    if (c < 0x80) {
      h = Math.imul(h ^ c, 0x01000193);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < n ? key.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        h = Math.imul(h ^ (0xf0 | (c >>> 18)), 0x01000193);
        h = Math.imul(h ^ (0x80 | ((c >>> 12) & 0x3f)), 0x01000193);
        h = Math.imul(h ^ (0x80 | ((c >>> 6) & 0x3f)), 0x01000193);
        h = Math.imul(h ^ (0x80 | (c & 0x3f)), 0x01000193);
        continue;
      }
      if (c >= 0xdc80 && c <= 0xdcff) {
        // An escaped raw byte (bytes.ts): hash the byte itself, as stringToBytes gives it.
        h = Math.imul(h ^ (c & 0xff), 0x01000193);
        continue;
      }
      c = 0xfffd;
    }
    if (c < 0x800) {
      h = Math.imul(h ^ (0xc0 | (c >>> 6)), 0x01000193);
    } else {
      h = Math.imul(h ^ (0xe0 | (c >>> 12)), 0x01000193);
      h = Math.imul(h ^ (0x80 | ((c >>> 6) & 0x3f)), 0x01000193);
    }
    h = Math.imul(h ^ (0x80 | (c & 0x3f)), 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
