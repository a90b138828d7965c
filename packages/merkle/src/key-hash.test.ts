import fc from 'fast-check';
import { bytesToString, stringToBytes } from './bytes.js';
import { keyHash32 } from './key-hash.js';

/** Reference: FNV-1a over the key's bytes (UTF-8, escaped bytes raw: stringToBytes), then murmur3 fmix32. */
function reference(key: string): number {
  let h = 0x811c9dc5;
  for (const byte of stringToBytes(key)) h = Math.imul(h ^ byte, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

describe('keyHash32', () => {
  it('equals FNV-1a + fmix32 over the UTF-8 bytes, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (key) => {
        expect(keyHash32(key)).toBe(reference(key));
      }),
      { numRuns: 500 },
    );
    for (const key of ['', 'a', '\u0000', 'é', '€', '😀', '\ud800', 'x\udc00y', '\ud83d']) {
      expect(keyHash32(key)).toBe(reference(key));
    }
  });

  it('hashes a key holding non-UTF-8 bytes (escaped as U+DC80..U+DCFF) over those raw bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 30 }), (bytes) => {
        const key = bytesToString(Buffer.from(bytes));
        expect(keyHash32(key)).toBe(reference(key));
      }),
      { numRuns: 500 },
    );
    expect(keyHash32(bytesToString(Buffer.of(0x61, 0xff)))).not.toBe(keyHash32(bytesToString(Buffer.of(0x61, 0xfe))));
  });

  it('spreads sequential keys over the top 16 bits', () => {
    const counts = new Uint32Array(256);
    const n = 25_600;
    for (let i = 0; i < n; i++) {
    const top = keyHash32(`key:${String(i).padStart(7, '0')}`) >>> 24;
    counts[top] = (counts[top] as number) + 1;
  }
    // Mean 100 per top-byte bucket; a poor hash would leave buckets empty or overfull.
    expect(Math.min(...counts)).toBeGreaterThan(50);
    expect(Math.max(...counts)).toBeLessThan(160);
  });
});
