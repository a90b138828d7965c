/** Strict parsing of the integer arguments: decimal digits only, range-checked. */
import { SCAN_MAX_COUNT } from './constants.js';
import { ProtocolError } from './errors.js';
import { show } from './show.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const SIGNED_DIGITS = /^[+-]?[0-9]{1,20}$/;
const DIGITS = /^[0-9]{1,16}$/;

/** True if `n` fits a 64-bit signed integer. */
export function isInt64(n: bigint): boolean {
  return n >= INT64_MIN && n <= INT64_MAX;
}

/**
 * Parses a 64-bit signed decimal integer (an optional sign, then digits).
 * @param what names the argument, e.g. `INCR amount`.
 * @throws ProtocolError `INVALID_ARGUMENT` for anything else or an out-of-range number.
 */
export function parseInt64(text: string, what: string): bigint {
  if (SIGNED_DIGITS.test(text)) {
    const n = BigInt(text);
    if (isInt64(n)) return n;
  }
  throw new ProtocolError('INVALID_ARGUMENT', `${what} must be a 64-bit signed integer, got '${show(text)}'`);
}

/**
 * Parses SCAN's COUNT: an integer from 1 to {@link SCAN_MAX_COUNT}.
 * @throws ProtocolError `INVALID_ARGUMENT`.
 */
export function parseScanCount(text: string): number {
  const n = /^[0-9]{1,4}$/.test(text) ? Number(text) : Number.NaN;
  if (n >= 1 && n <= SCAN_MAX_COUNT) return n;
  throw new ProtocolError('INVALID_ARGUMENT', `SCAN COUNT must be an integer from 1 to ${SCAN_MAX_COUNT}, got '${show(text)}'`);
}

const TIME = /^[+-]?[0-9]{1,16}$/;

/**
 * Parses an expiry argument (seconds, ms, or a unix time): a safe integer, negative allowed
 * (EXPIRE with a time already past deletes the key). With `positive`, it must be at least 1
 * (SETEX/PSETEX).
 * @throws ProtocolError `INVALID_ARGUMENT`.
 */
export function parseExpiryTime(text: string, what: string, positive = false): number {
  const n = TIME.test(text) ? Number(text) : Number.NaN;
  if (Number.isSafeInteger(n) && (!positive || n >= 1)) return n;
  throw new ProtocolError('INVALID_ARGUMENT', `${what} must be ${positive ? 'a positive' : 'an'} integer, got '${show(text)}'`);
}

/** True if `ts` is a valid version timestamp: a non-negative safe integer. */
export function isTimestamp(ts: number): boolean {
  return Number.isSafeInteger(ts) && ts >= 0;
}

/**
 * Parses a version timestamp (hybrid logical clock): a non-negative safe integer.
 * @throws ProtocolError `INVALID_ARGUMENT`.
 */
export function parseTimestamp(text: string, what: string): number {
  const n = DIGITS.test(text) ? Number(text) : Number.NaN;
  if (isTimestamp(n)) return n;
  throw new ProtocolError('INVALID_ARGUMENT', `${what} must be a non-negative integer timestamp, got '${show(text)}'`);
}
