/**
 * The cluster-peer handshake of docs/PROTOCOL.md "Peer authentication": a
 * challenge-response over `AUTH peer ...` in which both sides prove they hold
 * the cluster secret without sending it. Each proof is an HMAC-SHA256 over both
 * nonces and the side's role, so a proof is never valid twice nor for the
 * other side.
 *
 *     > AUTH peer challenge:<client nonce>
 *     < CHALLENGE <server nonce> <server proof>
 *     > AUTH peer <client proof>
 *     < OK
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The user name of the peer handshake; no configured user may take it. */
export const PEER_USER = 'peer';

/** The password prefix of the handshake's first step; a client nonce follows it. */
export const PEER_CHALLENGE_PREFIX = 'challenge:';

/** The first word of the server's reply to the first step. */
export const PEER_CHALLENGE_REPLY = 'CHALLENGE';

/** Nonces are this many bytes of randomness, written as hex. */
export const PEER_NONCE_BYTES = 16;

const NONCE = /^[0-9a-f]{32}$/;

/** Which side of the handshake a proof comes from. */
export type PeerProofSide = 'client' | 'server';

/** True for a nonce of the agreed form (32 lower-case hex digits). */
export function isPeerNonce(text: string): boolean {
  return NONCE.test(text);
}

/**
 * The proof one side sends: hex HMAC-SHA256 keyed with the cluster secret over
 * a domain tag, the side, and both nonces.
 */
export function peerProof(secret: string, side: PeerProofSide, clientNonce: string, serverNonce: string): string {
  return createHmac('sha256', secret).update(`merklekv-peer-auth/1\n${side}\n${clientNonce}\n${serverNonce}`).digest('hex');
}

/** Compares a received proof with the expected one in constant time (for equal lengths). */
export function proofMatches(received: string, expected: string): boolean {
  const a = Buffer.from(received, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
