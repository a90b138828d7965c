/** What the harness decides about one node; rendered to SPEC.md's TOML by {@link renderNodeToml}. */
export interface NodeConfigSpec {
  readonly nodeId: string;
  readonly port: number;
  /** `tcp://127.0.0.1:PORT` (a proxy in front of the broker), `embedded`, or a list of proxies (failover). */
  readonly brokerAddress: string | readonly string[];
  /** With `brokerAddress = "embedded"`: the broker's port. */
  readonly embeddedPort?: number;
  readonly topicPrefix: string;
  readonly peers: readonly string[];
  readonly antiEntropy: boolean;
  readonly intervalSeconds: number;
  readonly discoverySeconds: number;
  /** MQTT keep-alive in seconds. */
  readonly keepAlive: number;
  readonly logLevel: 'debug' | 'info' | 'warn';
  /** An lmdb engine in this folder (kept across restarts); absent = the memory engine. */
  readonly dataDir?: string;
  /** The admin HTTP listener's port (status page, /cluster, /metrics); none when absent. */
  readonly adminPort?: number;
}

const str = (s: string): string => JSON.stringify(s);

/** The node's configuration file, in SPEC.md's TOML schema. */
export function renderNodeToml(spec: NodeConfigSpec): string {
  const lines = [
    `node_id = ${str(spec.nodeId)}`,
    '',
    '[network]',
    'bind_address = "127.0.0.1"',
    `bind_port = ${spec.port}`,
    'max_connections = 200',
    'connection_timeout = 0',
    '',
    '[resp]',
    'enabled = false',
    '',
    '[mqtt]',
    `broker_address = ${typeof spec.brokerAddress === 'string' ? str(spec.brokerAddress) : `[${spec.brokerAddress.map(str).join(', ')}]`}`,
    ...(spec.embeddedPort !== undefined ? [`embedded_port = ${spec.embeddedPort}`] : []),
    `topic_prefix = ${str(spec.topicPrefix)}`,
    `client_id = ${str(spec.nodeId)}`,
    `keep_alive = ${spec.keepAlive}`,
    'clean_session = true',
    '',
    '[anti_entropy]',
    `enabled = ${spec.antiEntropy}`,
    `interval_seconds = ${spec.intervalSeconds}`,
    `peer_discovery_interval = ${spec.discoverySeconds}`,
    'max_concurrent_syncs = 3',
    `peer_list = [${spec.peers.map(str).join(', ')}]`,
    '',
    '[logging]',
    `level = ${str(spec.logLevel)}`,
    'format = "json"',
    '',
    ...(spec.dataDir !== undefined ? ['[storage]', 'engine = "lmdb"', `data_dir = ${str(spec.dataDir)}`, 'backup_interval_hours = 0', ''] : []),
    ...(spec.adminPort !== undefined ? ['[admin]', 'bind_address = "127.0.0.1"', `port = ${spec.adminPort}`, ''] : []),
  ];
  return lines.join('\n');
}
