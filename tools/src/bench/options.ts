import { BenchError, BenchErrorCode } from './errors.js';

/**
 * A `--name N` option that must be a positive integer: `fallback` when absent.
 * @throws BenchError `INVALID_OPTION` naming the option and what was given
 */
export function positiveOption(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new BenchError(BenchErrorCode.INVALID_OPTION, `--${name} must be a positive integer, got '${text}'`);
  return n;
}
