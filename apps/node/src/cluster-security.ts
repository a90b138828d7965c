import type { TcpPeerOptions } from '@merklekv/anti-entropy';
import type { MqttTlsOptions } from '@merklekv/replication';
import type { NodeConfig } from './config/index.js';
import type { Logger } from './logger.js';
import { loadServerTls, readConfiguredFile } from './server/tls.js';

/**
 * The broker connection's TLS settings from `[mqtt] ca_file / cert_file /
 * key_file`, or undefined when none is set (mqtts:// then trusts the system's CAs).
 * @throws ConfigError naming the option whose file cannot be read
 */
export function mqttTls(mqtt: NodeConfig['mqtt']): MqttTlsOptions | undefined {
  if (mqtt.ca_file === undefined && mqtt.cert_file === undefined) return undefined;
  return {
    ...(mqtt.ca_file !== undefined ? { ca: readConfiguredFile('mqtt.ca_file', mqtt.ca_file) } : {}),
    ...(mqtt.cert_file !== undefined ? { cert: readConfiguredFile('mqtt.cert_file', mqtt.cert_file) } : {}),
    ...(mqtt.key_file !== undefined ? { key: readConfiguredFile('mqtt.key_file', mqtt.key_file) } : {}),
  };
}

/**
 * How this node reaches its anti-entropy peers: as a cluster peer when a
 * cluster secret is set, and over TLS (presenting its own certificate,
 * checking theirs against tls_ca_file or the system's CAs) when the client
 * port speaks TLS, since the peers' ports do too.
 */
export function peerConnectOptions(config: NodeConfig, logger: Logger): Pick<TcpPeerOptions, 'peerSecret' | 'tls'> {
  const { security } = config;
  const clientAuth = security.password !== undefined || Object.keys(security.users).length > 0;
  if (clientAuth && security.cluster_secret === undefined && config.anti_entropy.enabled) {
    logger.warn('[security] has passwords but no cluster_secret: peers cannot authenticate anti-entropy sessions with this node');
  }
  const tls = loadServerTls(config.network);
  return {
    ...(security.cluster_secret !== undefined ? { peerSecret: security.cluster_secret } : {}),
    ...(tls !== undefined ? { tls: { cert: tls.cert, key: tls.key, ...(tls.ca !== undefined ? { ca: tls.ca } : {}) } } : {}),
  };
}
