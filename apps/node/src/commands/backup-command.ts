import { CRLF } from './context.js';
import type { Handler } from './context.js';

/** BACKUP: `OK <folder>` once the snapshot is written (docs/PROTOCOL.md). */
export const backup: Handler<'BACKUP'> = async (_command, ctx) => {
  if (ctx.backup === undefined) return `ERROR: backups are not available on this node${CRLF}`;
  const result = await ctx.backup();
  return `OK ${result.path}${CRLF}`;
};
