import { encodeValue, PROTOCOL_VERSION } from '@merklekv/protocol';
import { CRLF, OK, type Handler, type NodeContext, type StatsSection } from './context.js';

export const version: Handler<'VERSION'> = () => `MerkleKV ${PROTOCOL_VERSION}${CRLF}`;

/**
 * SPEC.md's "# Server Information" block first, exactly as it documents it,
 * then one block per subsystem; `END` closes the reply.
 */
export const info: Handler<'INFO'> = (_command, ctx) => {
  const server: StatsSection = [
    'Server Information',
    {
      version: PROTOCOL_VERSION,
      uptime_seconds: Math.floor((Date.now() - ctx.startedAt) / 1000),
      node_id: ctx.config.node_id,
      memory_usage_mb: Math.round(process.memoryUsage.rss() / (1024 * 1024)),
      total_keys: ctx.store.size,
    },
  ];
  let out = '';
  for (const [title, values] of [server, ...ctx.sections()]) {
    out += `# ${title}${CRLF}`;
    for (const [name, value] of Object.entries(values)) out += `${name}:${String(value)}${CRLF}`;
  }
  return `${out}END${CRLF}`;
};

/** Flat `name:value` counters: commands by name and outcome, then every subsystem's figures. */
export const stats: Handler<'STATS'> = (_command, ctx) => `${renderStats(ctx)}END${CRLF}`;

function renderStats(ctx: NodeContext): string {
  const { calls, errors, protocolErrors } = ctx.counters;
  let out = `uptime_seconds:${Math.floor((Date.now() - ctx.startedAt) / 1000)}${CRLF}`;
  let total = 0;
  for (const [name, n] of Object.entries(calls)) {
    total += n;
    out += `cmd_${name.toLowerCase()}:${n}${CRLF}`;
    const failed = errors[name];
    if (failed) out += `cmd_${name.toLowerCase()}_errors:${failed}${CRLF}`;
  }
  out += `total_commands:${total}${CRLF}protocol_errors:${protocolErrors}${CRLF}`;
  out += `keys:${ctx.store.size}${CRLF}records:${ctx.store.recordCount}${CRLF}data_bytes:${ctx.store.memoryBytes}${CRLF}`;
  for (const [title, values] of ctx.sections()) {
    const prefix = title.toLowerCase().replace(/[^a-z0-9]+/g, '_');
    for (const [name, value] of Object.entries(values)) out += `${prefix}_${name}:${String(value)}${CRLF}`;
  }
  return out;
}

export const flush: Handler<'FLUSH'> = (_command, { store }) => {
  store.flush();
  return OK;
};

export const shutdown: Handler<'SHUTDOWN'> = (_command, ctx) => {
  ctx.shutdown();
  return OK;
};

export const ping: Handler<'PING'> = ({ message }) => (message === undefined ? `PONG${CRLF}` : encodeValue(message) + CRLF);

export const echo: Handler<'ECHO'> = ({ message }) => encodeValue(message) + CRLF;
