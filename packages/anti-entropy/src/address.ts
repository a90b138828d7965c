import { AntiEntropyError } from './errors.js';

/** A peer's client endpoint. */
export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses `host:port` (or `[ipv6]:port`), the form of `peer_list` entries and of
 * `SYNC host:port`.
 *
 * @throws AntiEntropyError `INVALID_ADDRESS` when the host is empty or the port
 *   is not an integer in 1..65535.
 */
export function parsePeerAddress(address: string): PeerAddress {
  const trimmed = address.trim();
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(trimmed);
  const plain = /^([^:\s[\]]+):(\d+)$/.exec(trimmed);
  const match = bracketed ?? plain;
  const host = match?.[1];
  const portText = match?.[2];
  const port = portText === undefined ? Number.NaN : Number(portText);
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new AntiEntropyError(
      'INVALID_ADDRESS',
      `Invalid peer address '${address}': expected host:port with a port in 1..65535`,
    );
  }
  return { host, port };
}

/** Formats an address back to `host:port` (`[v6]:port` for IPv6 hosts). */
export function formatPeerAddress({ host, port }: PeerAddress): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
