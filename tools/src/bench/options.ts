import { BenchError, BenchErrorCode } from './errors.js';

/**
 * A `--name N` option that must be a positive integer (or, with `integer: false`, any positive
 * number): `fallback` when absent.
 * @throws BenchError `INVALID_OPTION` naming the option and what was given
 */
export function positiveOption(name: string, text: string | undefined, fallback: number, { integer = true }: { readonly integer?: boolean } = {}): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new BenchError(BenchErrorCode.INVALID_OPTION, `--${name} must be a positive ${integer ? 'integer' : 'number'}, got '${text}'`);
  }
  return n;
}
