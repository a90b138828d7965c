/**
 * `export [prefix] [--count N] [--page-size N]`: the live keys starting with
 * `prefix` (all keys without one) as JSON lines `{"key":..,"value":..}`, page
 * by page through SCAN, honouring stdout's back-pressure. `--count N` stops
 * after N keys; `--page-size N` is how many keys each SCAN round trip asks for.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { MerkleKVClient } from '@merklekv/client';
import { usageError } from './errors.js';

/** Options of `export`. */
export interface ExportOptions {
  readonly prefix: string;
  /** At most this many keys (undefined: every key). */
  readonly limit: number | undefined;
  /** Keys per SCAN round trip. @default 1000 */
  readonly pageSize: number;
}

const USAGE = 'usage: export [prefix] [--count N] [--page-size N]';

/** @throws CliError (USAGE) */
export function parseExportArgs(args: readonly string[]): ExportOptions {
  let prefix: string | undefined;
  let limit: number | undefined;
  let pageSize = 1000;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    const option = ['--count', '--page-size'].find((name) => a === name || a.startsWith(`${name}=`));
    if (option !== undefined) {
      const v = a.includes('=') ? a.slice(option.length + 1) : args[++i];
      if (v === undefined || !/^\d+$/.test(v) || Number(v) < 1) throw usageError(`${option} must be a positive integer, got '${v ?? ''}'`);
      if (option === '--count') limit = Number(v);
      else if (Number(v) > 1000) throw usageError(`--page-size must be at most 1000 (SCAN's COUNT), got '${v}'`);
      else pageSize = Number(v);
    } else if (prefix === undefined && !a.startsWith('--')) {
      prefix = a;
    } else {
      throw usageError(USAGE);
    }
  }
  return { prefix: prefix ?? '*', limit, pageSize: limit === undefined ? pageSize : Math.min(pageSize, limit) };
}

/** Writes the keys; resolves to how many were written. */
export async function runExport(client: MerkleKVClient, opts: ExportOptions, out: Writable): Promise<number> {
  let written = 0;
  let chunk = '';
  const flush = async (): Promise<void> => {
    if (chunk === '') return;
    const ok = out.write(chunk);
    chunk = '';
    if (!ok) await once(out, 'drain');
  };
  if (opts.limit === 0) return 0;
  for await (const [key, value] of client.scan(opts.prefix, { count: opts.pageSize })) {
    chunk += `${JSON.stringify({ key, value })}\n`;
    written += 1;
    if (written === opts.limit) break;
    if (chunk.length >= 64 * 1024) await flush();
  }
  await flush();
  return written;
}
