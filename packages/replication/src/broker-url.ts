import { ReplicationError, ReplicationErrorCode } from './errors.js';

const SCHEMES: Readonly<Record<string, string>> = {
  'tcp:': 'mqtt:',
  'mqtt:': 'mqtt:',
  'ssl:': 'mqtts:',
  'tls:': 'mqtts:',
  'mqtts:': 'mqtts:',
  'ws:': 'ws:',
  'wss:': 'wss:',
};

/**
 * Turns SPEC.md's `mqtt.broker_address` into a URL mqtt.js connects to:
 * `tcp://` becomes `mqtt://`, `ssl://`/`tls://` become `mqtts://`; `mqtt://`,
 * `mqtts://`, `ws://` and `wss://` pass through; a bare `host:port` means `mqtt://`.
 * @throws ReplicationError `INVALID_BROKER_URL` for another scheme, no host, or a bad port.
 */
export function normalizeBrokerUrl(address: string): string {
  const text = address.includes('://') ? address.trim() : `mqtt://${address.trim()}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch (cause) {
    throw new ReplicationError(ReplicationErrorCode.INVALID_BROKER_URL, `invalid broker address '${address}'`, { cause });
  }
  const scheme = SCHEMES[url.protocol];
  if (scheme === undefined) {
    throw new ReplicationError(
      ReplicationErrorCode.INVALID_BROKER_URL,
      `unsupported broker scheme '${url.protocol.slice(0, -1)}' in '${address}' (use tcp://, mqtt://, mqtts://, ws:// or wss://)`,
    );
  }
  if (url.hostname === '') {
    throw new ReplicationError(ReplicationErrorCode.INVALID_BROKER_URL, `broker address '${address}' has no host`);
  }
  // `new URL` drops the scheme's default port and validates the range.
  return `${scheme}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}
