import { z } from 'zod';

/**
 * The node's configuration: exactly SPEC.md's TOML schema and option names,
 * plus the options DESIGN.md adds (each marked "MerkleKV" in the README's
 * options table). Unknown keys are errors, so a typo never goes unnoticed.
 */

const portError = { error: 'must be a port number from 1 to 65535' };
const port = z.number(portError).int(portError).min(1, portError).max(65535, portError);
const portOrZero = z.number().int().min(0).max(65535, portError);
const positiveInt = z.number().int().positive();
const seconds = z.number().int().min(0);

const ipAddress = z.union([z.ipv4(), z.ipv6(), z.literal('localhost')], {
  error: 'must be an IPv4 or IPv6 address',
});

const BROKER_URL = /^(tcp|mqtt|mqtts|ssl|tls|ws|wss):\/\/[^/\s:]+(:\d{1,5})?(\/\S*)?$/;

/** A broker connection string, `embedded` (start one inside this node) or `none` (no replication). */
const singleBrokerAddress = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required (a URL, a list of URLs, "embedded" or "none")' : 'must be a string or a list of URLs') })
  .refine(
  (s) => s === 'embedded' || s === 'none' || BROKER_URL.test(s),
  { error: 'must be "embedded", "none" or a URL like tcp://host:1883 (schemes: tcp, mqtt, mqtts, ws, wss)' },
);

/** MerkleKV: several brokers (bridged, or one broker cluster) to fail over between, tried in order. */
const brokerList = z
  .array(z.string({ error: 'must be a list of broker URLs' }), { error: 'must be a string or a list of URLs' })
  .min(1, { error: 'must hold at least one broker URL' })
  .superRefine((list, ctx) => {
    list.forEach((s, i) => {
      if (s === 'embedded' || s === 'none') {
        ctx.addIssue({ code: 'custom', path: [i], message: `"${s}" cannot be part of a broker list: give only broker URLs, or "${s}" alone` });
      } else if (!BROKER_URL.test(s)) {
        ctx.addIssue({ code: 'custom', path: [i], message: 'must be a URL like tcp://host:1883 (schemes: tcp, mqtt, mqtts, ws, wss)' });
      }
    });
    const repeated = list.find((s, i) => list.indexOf(s) !== i);
    if (repeated !== undefined) ctx.addIssue({ code: 'custom', message: `lists ${repeated} twice` });
  });

const brokerAddress = z.union([singleBrokerAddress, brokerList], {
  error: (issue) => {
    if (issue.input === undefined) return 'is required (a URL, a list of URLs, "embedded" or "none")';
    return typeof issue.input === 'string' || Array.isArray(issue.input) ? undefined : 'must be a URL, a list of URLs, "embedded" or "none"';
  },
});

/** A peer's client address, host:port. */
const peerAddress = z.string().regex(/^[^\s:]+:\d{1,5}$/, { error: 'must be host:port, e.g. "127.0.0.1:7879"' });

export const networkSchema = z.strictObject({
  bind_address: ipAddress.default('127.0.0.1'),
  bind_port: port.default(7878),
  max_connections: positiveInt.default(1000),
  /** Idle connections are closed after this many seconds; 0 never closes them. */
  connection_timeout: seconds.default(30),
  /** MerkleKV: the longest request line accepted, in bytes. */
  max_line_bytes: z.number().int().min(64).max(512 * 1024 * 1024).default(1024 * 1024),
  /** MerkleKV: PEM certificate (chain) of the client port; with tls_key_file, clients must speak TLS. */
  tls_cert_file: z.string().min(1).optional(),
  /** MerkleKV: PEM private key of tls_cert_file. */
  tls_key_file: z.string().min(1).optional(),
  /** MerkleKV: PEM CA bundle; when set, clients must present a certificate it signed. */
  tls_ca_file: z.string().min(1).optional(),
}).superRefine((network, ctx) => {
  if ((network.tls_cert_file === undefined) !== (network.tls_key_file === undefined)) {
    const missing = network.tls_cert_file === undefined ? 'tls_cert_file' : 'tls_key_file';
    const given = missing === 'tls_cert_file' ? 'tls_key_file' : 'tls_cert_file';
    ctx.addIssue({ code: 'custom', path: [missing], message: `is required when ${given} is set (TLS needs both)` });
  }
  if (network.tls_ca_file !== undefined && network.tls_cert_file === undefined) {
    ctx.addIssue({ code: 'custom', path: ['tls_ca_file'], message: 'needs tls_cert_file and tls_key_file (client certificates are checked only over TLS)' });
  }
});

export const mqttSchema = z.strictObject(
  {
  broker_address: brokerAddress,
  topic_prefix: z.string().min(1).regex(/^[^#+]+$/, { error: 'must not contain MQTT wildcards (# or +)' }).default('merkle-kv'),
  client_id: z.string().min(1).optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  keep_alive: seconds.default(60),
  clean_session: z.boolean().default(true),
  /** MerkleKV: the port of the embedded broker (broker_address = "embedded"), on bind_address. */
  embedded_port: portOrZero.default(1883),
  /** MerkleKV: replication events kept while the broker is unreachable; past it, anti-entropy repairs. */
  queue_limit: positiveInt.default(100_000),
  /** MerkleKV: PEM CA bundle that signed the broker's certificate (mqtts://). */
  ca_file: z.string().min(1).optional(),
  /** MerkleKV: PEM client certificate presented to the broker (with key_file). */
  cert_file: z.string().min(1).optional(),
  /** MerkleKV: PEM private key of cert_file. */
  key_file: z.string().min(1).optional(),
  },
  { error: (issue) => (issue.input === undefined ? 'is required: a [mqtt] section with broker_address (a URL, "embedded" or "none")' : undefined) },
).superRefine((mqtt, ctx) => {
  if ((mqtt.cert_file === undefined) !== (mqtt.key_file === undefined)) {
    const missing = mqtt.cert_file === undefined ? 'cert_file' : 'key_file';
    const given = missing === 'cert_file' ? 'key_file' : 'cert_file';
    ctx.addIssue({ code: 'custom', path: [missing], message: `is required when ${given} is set (a client certificate needs both)` });
  }
});

export const antiEntropySchema = z.strictObject({
  enabled: z.boolean().default(true),
  interval_seconds: positiveInt.default(300),
  peer_discovery_interval: positiveInt.default(600),
  max_concurrent_syncs: positiveInt.default(3),
  peer_list: z.array(peerAddress).default([]),
});

export const storageSchema = z.strictObject({
  /** Refuse writes past this estimate of the data's size; unset = no limit. */
  memory_limit_mb: positiveInt.optional(),
  /** `true` = the lmdb engine in data_dir (unless `engine` says otherwise). */
  persistence_enabled: z.boolean().default(false),
  /** MerkleKV: where the replica lives: memory, lmdb (a memory-mapped file in data_dir) or redis (redis_url). Default: lmdb when persistence_enabled, else memory. */
  engine: z.enum(['memory', 'lmdb', 'redis']).optional(),
  /** MerkleKV: the lmdb engine's folder (and its backups/). Default ./data/<node_id>. */
  data_dir: z.string().min(1).optional(),
  /** MerkleKV: when an lmdb write is durable: always (before OK), batch (within 10 ms), none (left to the OS). */
  sync: z.enum(['always', 'batch', 'none']).default('batch'),
  /** MerkleKV: the Redis server of the redis engine. */
  redis_url: z.string().regex(/^rediss?:\/\//, { error: 'must be a redis:// or rediss:// URL' }).default('redis://127.0.0.1:6379'),
  /** Hours between backups of a persistent engine (0 = none). */
  backup_interval_hours: z.number().min(0).default(24),
  /** MerkleKV: backups kept in data_dir/backups; older ones are deleted. */
  backup_keep: positiveInt.default(7),
  /** MerkleKV: changes (distinct keys) that may wait for a failing engine; past it writes get `ERROR: Storage unavailable (...)`. */
  write_queue_limit: positiveInt.default(1_000_000),
  /** MerkleKV: how long tombstones are kept before they are collected (Cassandra's gc_grace_seconds). */
  tombstone_grace_seconds: positiveInt.default(86_400),
  /** MerkleKV: how often the active expiry sweep runs (each run works in bounded steps). */
  expiry_sweep_interval_ms: positiveInt.default(100),
});

export const loggingSchema = z.strictObject({
  level: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  format: z.enum(['json', 'text']).default('json'),
  file_path: z.string().min(1).optional(),
});

export const adminSchema = z.strictObject({
  /** MerkleKV: address of the admin HTTP listener (/metrics, /health, /ready). */
  bind_address: ipAddress.default('127.0.0.1'),
  /** MerkleKV: port of the admin HTTP listener; unset = no admin listener. */
  port: portOrZero.optional(),
});

/** A password as the configuration holds it: never empty. */
const password = z.string().min(1, { error: 'must not be empty' });

export const userSchema = z.strictObject({
  password,
  /** read: reads only; write: reads and writes; admin: everything. */
  role: z.enum(['read', 'write', 'admin']).default('read'),
});

export const securitySchema = z.strictObject({
  /** MerkleKV: one shared password (the admin role): clients send `AUTH password` first. */
  password: password.optional(),
  /** MerkleKV: named users, `name = { password = "...", role = "read" | "write" | "admin" }`; clients send `AUTH name password`. */
  users: z
    .record(z.string().regex(/^[^\s"]+$/, { error: 'a user name may not hold spaces or quotes' }), userSchema)
    .refine((users) => !Object.hasOwn(users, 'peer'), { error: "the user name 'peer' is reserved for cluster peers" })
    .default({}),
  /** MerkleKV: false refuses FLUSH and SHUTDOWN to everyone. */
  admin_commands: z.boolean().default(true),
  /** MerkleKV: shared by the cluster's nodes: signs replication batches and authenticates anti-entropy peers. */
  cluster_secret: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
});

/** MerkleKV: the RESP (Redis protocol) listener; limits, TLS and [security] come from [network] and [security]. */
export const respSchema = z.strictObject({
  /** MerkleKV: serve RESP2/RESP3 beside the text protocol. */
  enabled: z.boolean().default(true),
  /** MerkleKV: the RESP listener's address. Default: [network] bind_address. */
  bind_address: ipAddress.optional(),
  /** MerkleKV: the RESP listener's port (0 = any free port). */
  bind_port: portOrZero.default(6380),
});

export const configSchema = z.strictObject({
  node_id: z.string({
    error: (issue) => (issue.input === undefined ? 'is required: a unique name for this node' : 'must be a string'),
  }).min(1).regex(/^[A-Za-z0-9._:-]+$/, {
    error: 'may hold only letters, digits and . _ : -',
  }),
  description: z.string().optional(),
  network: networkSchema.default(networkSchema.parse({})),
  mqtt: mqttSchema,
  anti_entropy: antiEntropySchema.default(antiEntropySchema.parse({})),
  storage: storageSchema.default(storageSchema.parse({})),
  logging: loggingSchema.default(loggingSchema.parse({})),
  admin: adminSchema.default(adminSchema.parse({})),
  security: securitySchema.default(securitySchema.parse({})),
  resp: respSchema.default(respSchema.parse({})),
});

/** A validated configuration, as the rest of the node sees it. */
export type NodeConfig = Readonly<z.infer<typeof configSchema>>;
