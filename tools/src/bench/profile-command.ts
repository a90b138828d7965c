/** `bench profile FILE.cpuprofile [--top N]`: the hot spots of a `node --cpu-prof` profile. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatHotSpots, summarizeProfile, type CpuProfile } from './cpu-profile.js';
import { BenchError, BenchErrorCode } from './errors.js';

const workspaceRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Reads a `.cpuprofile` and returns its top functions by self and total time.
 * @throws BenchError `INVALID_OPTION` without a file or with a bad --top
 */
export async function benchProfile(argv: string[]): Promise<string> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { top: { type: 'string' } } });
  const file = positionals[0];
  const top = Number(values.top ?? '25');
  if (file === undefined || !Number.isInteger(top) || top < 1) {
    throw new BenchError(BenchErrorCode.INVALID_OPTION, 'Usage: bench profile FILE.cpuprofile [--top N] (N a positive integer)');
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  return formatHotSpots(summarizeProfile(profile, workspaceRoot), top);
}
