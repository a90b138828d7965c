import fc from 'fast-check';
import { isPeerNonce, peerProof, proofMatches } from './peer-auth.js';

const nonce = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('hex'));

describe('peer handshake proofs', () => {
  it('accepts only 32 lower-case hex digits as a nonce', () => {
    expect(isPeerNonce('0123456789abcdef0123456789abcdef')).toBe(true);
    expect(isPeerNonce('0123456789ABCDEF0123456789abcdef')).toBe(false);
    expect(isPeerNonce('abc')).toBe(false);
  });

  it('property: a proof depends on the secret, the side and both nonces', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), nonce, nonce, (secret, other, cn, sn) => {
        const proof = peerProof(secret, 'client', cn, sn);
        expect(proof).toMatch(/^[0-9a-f]{64}$/);
        expect(proofMatches(proof, peerProof(secret, 'client', cn, sn))).toBe(true);
        expect(proofMatches(proof, peerProof(secret, 'server', cn, sn))).toBe(false);
        if (other !== secret) expect(proofMatches(proof, peerProof(other, 'client', cn, sn))).toBe(false);
        if (cn !== sn) expect(proofMatches(proof, peerProof(secret, 'client', sn, cn))).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses proofs of another length without throwing', () => {
    expect(proofMatches('ab', 'abc')).toBe(false);
  });
});

describe('docs/PROTOCOL.md peer handshake example', () => {
  it('holds the proofs of the secret it names', () => {
    const [cn, sn] = ['0f1e2d3c4b5a69788796a5b4c3d2e1f0', '00112233445566778899aabbccddeeff'];
    expect(peerProof('an-example-cluster-secret', 'server', cn, sn)).toBe('548500ddf1889ffadf8e261d308849882f2b3d0f587b272f9ac25ffdd9bbc85e');
    expect(peerProof('an-example-cluster-secret', 'client', cn, sn)).toBe('97bf41fa196a372e091aae03f222fbfbe88c740428ef39f9f5b9b67f002079ea');
  });
});
