/**
 * `export [prefix] [--count N]`: every live key starting with `prefix` (all
 * keys without one) as JSON lines `{"key":..,"value":..}`, page by page
 * through SCAN, honouring stdout's back-pressure.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { MerkleKVClient } from '@merklekv/client';
import { usageError } from './errors.js';

/** Options of `export`. */
export interface ExportOptions {
  readonly prefix: string;
  /** Keys per SCAN round trip. @default 1000 */
  readonly count: number;
}

/** @throws CliError (USAGE) */
export function parseExportArgs(args: readonly string[]): ExportOptions {
  let prefix: string | undefined;
  let count = 1000;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--count' || a.startsWith('--count=')) {
      const v = a.includes('=') ? a.slice(8) : args[++i];
      if (v === undefined || !/^\d+$/.test(v) || Number(v) < 1) throw usageError(`--count must be a positive integer, got '${v ?? ''}'`);
      count = Number(v);
    } else if (prefix === undefined && !a.startsWith('--')) {
      prefix = a;
    } else {
      throw usageError('usage: export [prefix] [--count N]');
    }
  }
  return { prefix: prefix ?? '*', count };
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
  for await (const [key, value] of client.scan(opts.prefix, { count: opts.count })) {
    chunk += `${JSON.stringify({ key, value })}\n`;
    written += 1;
    if (chunk.length >= 64 * 1024) await flush();
  }
  await flush();
  return written;
}
