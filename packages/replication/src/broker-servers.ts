import { normalizeBrokerUrl } from './broker-url.js';
import { ReplicationError, ReplicationErrorCode } from './errors.js';

/** One broker of a failover list, split the way mqtt.js's `servers` option wants it. */
export interface BrokerServer {
  /** The address as configured (trimmed), as logged and shown in INFO. */
  readonly address: string;
  /** The normalized URL ({@link normalizeBrokerUrl}). */
  readonly url: string;
  /** Host name or address, without IPv6 brackets. */
  readonly host: string;
  readonly port: number;
  /** `mqtt`, `mqtts`, `ws` or `wss`. */
  readonly protocol: 'mqtt' | 'mqtts' | 'ws' | 'wss';
}

const DEFAULT_PORTS = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 } as const;

/**
 * Turns `mqtt.broker_address` (one address or a failover list) into the
 * brokers to try, in order. mqtt.js reuses the first URL's path for every
 * broker of a list, so WebSocket brokers of one list must share their path.
 * @throws ReplicationError `INVALID_BROKER_URL` for an empty list, an unusable
 *   address, the same broker twice, or WebSocket paths that differ.
 */
export function brokerServers(address: string | readonly string[]): BrokerServer[] {
  const list = typeof address === 'string' ? [address] : address;
  if (list.length === 0) {
    throw new ReplicationError(ReplicationErrorCode.INVALID_BROKER_URL, 'the broker list is empty: give at least one broker address');
  }
  const servers = list.map((a) => parse(a.trim(), normalizeBrokerUrl(a)));
  const seen = new Set<string>();
  for (const s of servers) {
    if (seen.has(s.url)) throw new ReplicationError(ReplicationErrorCode.INVALID_BROKER_URL, `broker '${s.url}' appears twice in the broker list`);
    seen.add(s.url);
  }
  const paths = new Set(servers.map((s) => new URL(s.url).pathname));
  if (paths.size > 1) {
    throw new ReplicationError(
      ReplicationErrorCode.INVALID_BROKER_URL,
      `the brokers of one list must share their WebSocket path (got ${[...paths].map((p) => `'${p}'`).join(', ')})`,
    );
  }
  return servers;
}

function parse(address: string, url: string): BrokerServer {
  const parsed = new URL(url);
  const protocol = parsed.protocol.slice(0, -1) as BrokerServer['protocol'];
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = parsed.port === '' ? DEFAULT_PORTS[protocol] : Number(parsed.port);
  return { address, url, host, port, protocol };
}
