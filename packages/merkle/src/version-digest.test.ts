import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { versionDigest, DIGEST_BYTES } from './version-digest.js';
import { MerkleError } from './errors.js';

/** Independent reference: the documented encoding built with Buffer.concat. */
function reference(key: string, value: string, ts: number, node: string, deleted: boolean): Uint8Array {
  const str = (s: string): Buffer => {
    const b = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  const t = Buffer.alloc(8);
  t.writeBigUInt64BE(BigInt(ts));
  const enc = Buffer.concat([str(key), str(value), t, str(node), Buffer.from([deleted ? 1 : 0])]);
  return new Uint8Array(createHash('sha256').update(enc).digest().subarray(0, 16));
}

const anyString = fc.string({ unit: 'binary', maxLength: 40 });
const ts = fc.maxSafeNat();

describe('versionDigest', () => {
  it('is 16 bytes of SHA-256 over the length-prefixed encoding', () => {
    fc.assert(
      fc.property(anyString, anyString, ts, anyString, fc.boolean(), (k, v, t, n, d) => {
        const got = versionDigest(k, v, t, n, d);
        expect(got.length).toBe(DIGEST_BYTES);
        expect(Array.from(got)).toEqual(Array.from(reference(k, v, t, n, d)));
      }),
      { numRuns: 300 },
    );
  });

  it('handles values larger than its scratch buffer and returns independent arrays', () => {
    const big = 'é'.repeat(50_000);
    const huge = 'x'.repeat(200_000);
    const a = versionDigest('k', big, 1, 'n', false);
    const b = versionDigest('k', huge, 1, 'n', false);
    expect(Array.from(a)).toEqual(Array.from(reference('k', big, 1, 'n', false)));
    expect(Array.from(b)).toEqual(Array.from(reference('k', huge, 1, 'n', false)));
    expect(Array.from(a)).not.toEqual(Array.from(b));
  });

  it('separates fields: moving bytes between key, value and node changes the digest', () => {
    const digests = [
      versionDigest('ab', 'c', 5, 'n', false),
      versionDigest('a', 'bc', 5, 'n', false),
      versionDigest('a', 'b', 5, 'cn', false),
      versionDigest('ab', 'c', 5, 'n', true),
      versionDigest('ab', 'c', 6, 'n', false),
    ].map((d) => Buffer.from(d).toString('hex'));
    expect(new Set(digests).size).toBe(digests.length);
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
