import { ProtocolError } from './errors.js';
import { show } from './show.js';

/** `host:port`, or `[ipv6]:port`; the host holds no spaces, control characters, `:` or brackets. */
const PEER = /^(\[[0-9A-Fa-f:.]+\]|[^\x00-\x20\x7f:[\]]+):([0-9]{1,5})$/;

/**
 * Checks a peer address `host:port` (an IPv6 host in brackets) and returns it.
 * @param what names the argument in the message, e.g. `SYNC peer`.
 * @throws ProtocolError `INVALID_ARGUMENT`.
 */
export function checkPeer(peer: string, what: string): string {
  const port = Number(PEER.exec(peer)?.[2]);
  if (port >= 1 && port <= 65535) return peer;
  throw new ProtocolError('INVALID_ARGUMENT', `${what} must be host:port with a port from 1 to 65535, got '${show(peer)}'`);
}
