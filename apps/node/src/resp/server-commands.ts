/** RESP server commands: INFO, CONFIG GET, TIME, FLUSHDB/FLUSHALL, SHUTDOWN, and MerkleKV's HASH, SYNC, VERSION. */
import { checkPeer, compileGlob, encodeReply, PROTOCOL_VERSION, RESP_OK, respBulk, respSimple, type RespValue } from '@merklekv/protocol';
import { EMULATED_REDIS_VERSION, RespCommandError, syntaxError, type RespContext, type RespHandler } from './context.js';

/** Redis' INFO sections, in its order; `# MerkleKV ...` sections follow. */
function infoSections(ctx: RespContext): [string, Record<string, string | number>][] {
  const { node } = ctx;
  const uptime = Math.floor((Date.now() - node.startedAt) / 1000);
  const memory = process.memoryUsage();
  const calls = Object.values(node.counters.calls).reduce((a, b) => a + b, 0);
  return [
    [
      'Server',
      {
        redis_version: EMULATED_REDIS_VERSION,
        merklekv_version: PROTOCOL_VERSION,
        redis_mode: 'standalone',
        os: `${process.platform} ${process.arch}`,
        arch_bits: process.arch.endsWith('64') ? 64 : 32,
        process_id: process.pid,
        tcp_port: ctx.address().port,
        uptime_in_seconds: uptime,
        uptime_in_days: Math.floor(uptime / 86400),
        node_id: node.config.node_id,
      },
    ],
    ['Clients', { connected_clients: ctx.connectionCount(), maxclients: node.config.network.max_connections }],
    [
      'Memory',
      {
        used_memory: memory.heapUsed,
        used_memory_rss: memory.rss,
        used_memory_dataset: node.store.memoryBytes,
        maxmemory: (node.config.storage.memory_limit_mb ?? 0) * 1024 * 1024,
        maxmemory_policy: 'noeviction',
      },
    ],
    ['Persistence', { loading: 0, rdb_bgsave_in_progress: 0, aof_enabled: 0 }],
    ['Stats', { total_commands_processed: calls, rejected_calls: node.counters.protocolErrors }],
    ['Replication', { role: 'master', connected_slaves: 0 }],
    ['Keyspace', node.store.size > 0 ? { db0: `keys=${node.store.size},expires=${node.store.keysWithExpiry},avg_ttl=0` } : {}],
  ];
}

export const info: RespHandler = (args, c, ctx) => {
  const wanted = new Set(args.slice(1).map((a) => a.toLowerCase()));
  const all = wanted.size === 0 || wanted.has('all') || wanted.has('everything') || wanted.has('default');
  let out = '';
  const add = (title: string, values: Readonly<Record<string, string | number | boolean>>) => {
    out += `${out === '' ? '' : '\r\n'}# ${title}\r\n`;
    for (const [name, value] of Object.entries(values)) out += `${name}:${String(value)}\r\n`;
  };
  for (const [title, values] of infoSections(ctx)) if (all || wanted.has(title.toLowerCase())) add(title, values);
  if (all || wanted.has('merklekv')) {
    for (const [title, values] of ctx.node.sections()) add(`MerkleKV ${title}`, values);
  }
  return encodeReply({ verbatim: out }, c.version);
};

/** What CONFIG GET answers: the settings clients and tools probe, from this node's configuration. */
function configValues(ctx: RespContext): [string, string][] {
  const { config } = ctx.node;
  return [
    ['save', ''],
    ['appendonly', 'no'],
    ['databases', '1'],
    ['port', String(ctx.address().port)],
    ['bind', ctx.address().host],
    ['maxclients', String(config.network.max_connections)],
    ['timeout', String(config.network.connection_timeout)],
    ['maxmemory', String((config.storage.memory_limit_mb ?? 0) * 1024 * 1024)],
    ['maxmemory-policy', 'noeviction'],
    ['proto-max-bulk-len', String(config.network.max_line_bytes)],
    ['cluster-enabled', 'no'],
  ];
}

export const config: RespHandler = (args, c, ctx) => {
  const sub = (args[1] as string).toUpperCase();
  if (sub !== 'GET') {
    throw new RespCommandError(`ERR CONFIG ${sub} is not supported: MerkleKV reads its settings from its TOML file and MERKLE_KV_* variables; change them there (SIGHUP reloads what can change while running)`);
  }
  if (args.length < 3) throw new RespCommandError("ERR wrong number of arguments for 'config|get' command");
  const globs = args.slice(2).map((p) => compileGlob(p.toLowerCase()));
  const found = configValues(ctx).filter(([name]) => globs.some((g) => g.matches(name)));
  return encodeReply({ map: found }, c.version);
};

export const time: RespHandler = (_args, c) => {
  const micros = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000));
  return encodeReply([String(micros / 1_000_000n), String(micros % 1_000_000n)], c.version);
};

export const flushdb: RespHandler = (args, _c, { node }) => {
  const mode = args[1]?.toUpperCase();
  if (mode !== undefined && mode !== 'ASYNC' && mode !== 'SYNC') throw syntaxError();
  node.store.flush();
  return RESP_OK;
};

export const shutdown: RespHandler = (args, _c, { node }) => {
  const mode = args[1]?.toUpperCase();
  if (mode !== undefined && !['NOSAVE', 'SAVE', 'NOW', 'FORCE'].includes(mode)) throw syntaxError();
  node.shutdown();
  return RESP_OK;
};

export const version: RespHandler = (_args, c) => respBulk(`MerkleKV ${PROTOCOL_VERSION}`, c.version);

/** HASH: the root hash, the record count and the tree shape, as the text port's `rootHex count shape`. */
export const hash: RespHandler = (_args, c, { node }) => {
  const reply: RespValue = [node.store.tree.rootHex(), node.store.recordCount, node.store.tree.shape.id];
  return encodeReply(reply, c.version);
};

export const sync: RespHandler = async (args, _c, { node }) => {
  if (!node.syncNow) throw new RespCommandError('ERR anti-entropy is not available on this node');
  const r = await node.syncNow(checkPeer(args[1] as string, 'SYNC peer'));
  return respSimple(`OK round_trips=${r.roundTrips} bytes=${r.bytes} keys_pulled=${r.pulled} keys_pushed=${r.pushed} ms=${r.ms} mode=${r.mode}`);
};
