/**
 * What a client says on every new connection before its first request:
 * `AUTH [user] password`, and/or the cluster-peer handshake of
 * docs/PROTOCOL.md "Peer authentication" (both sides prove they hold the
 * cluster secret; it never crosses the wire).
 */
import { randomBytes } from 'node:crypto';
import {
  encodeCommand,
  PEER_CHALLENGE_PREFIX,
  PEER_CHALLENGE_REPLY,
  PEER_NONCE_BYTES,
  PEER_USER,
  isPeerNonce,
  peerProof,
  proofMatches,
} from '@merklekv/protocol';
import type { Handshake } from './connection.js';
import { AuthenticationError, UnexpectedReplyError } from './errors.js';

/** Credentials a client authenticates with. */
export interface Credentials {
  readonly user?: string | undefined;
  readonly password?: string | undefined;
  readonly peerSecret?: string | undefined;
}

/** The handshake for `credentials`, or undefined when there is nothing to say. */
export function authHandshake(address: string, credentials: Credentials): Handshake | undefined {
  const { user, password, peerSecret } = credentials;
  if (password === undefined && peerSecret === undefined) return undefined;
  return async (call) => {
    if (password !== undefined) {
      const line = encodeCommand(user === undefined ? { type: 'AUTH', password } : { type: 'AUTH', user, password });
      expectOk(await call(line));
    }
    if (peerSecret !== undefined) {
      const clientNonce = randomBytes(PEER_NONCE_BYTES).toString('hex');
      const challenge = await call(encodeCommand({ type: 'AUTH', user: PEER_USER, password: `${PEER_CHALLENGE_PREFIX}${clientNonce}` }));
      const [word, serverNonce, serverProof, extra] = challenge.split(' ');
      if (word !== PEER_CHALLENGE_REPLY || serverNonce === undefined || !isPeerNonce(serverNonce) || serverProof === undefined || extra !== undefined) {
        throw new UnexpectedReplyError('AUTH', challenge);
      }
      if (!proofMatches(serverProof, peerProof(peerSecret, 'server', clientNonce, serverNonce))) {
        throw new AuthenticationError(address, 'the node does not hold the same cluster secret');
      }
      expectOk(await call(encodeCommand({ type: 'AUTH', user: PEER_USER, password: peerProof(peerSecret, 'client', clientNonce, serverNonce) })));
    }
  };
}

function expectOk(reply: string): void {
  if (reply !== 'OK') throw new UnexpectedReplyError('AUTH', reply);
}
