/**
 * 64-bit signed integer values for INCR/DECR. Only the canonical decimal form is an integer:
 * an optional `-`, no leading zeros, no `+`, no spaces, no `-0`, at most 19 digits, in range.
 */
import { integerOverflow, notAnInteger, StorageError, StorageErrorCode } from './errors.js';

/** The smallest 64-bit signed integer. */
export const INT64_MIN = -(2n ** 63n);
/** The largest 64-bit signed integer. */
export const INT64_MAX = 2n ** 63n - 1n;

const CANONICAL = /^(?:0|-?[1-9][0-9]{0,18})$/;

/** Parses the stored value of `key` as a canonical 64-bit signed integer. @throws StorageError NOT_AN_INTEGER */
export function parseInt64(key: string, value: string): bigint {
  if (!CANONICAL.test(value)) throw notAnInteger(key);
  const n = BigInt(value);
  if (n < INT64_MIN || n > INT64_MAX) throw notAnInteger(key);
  return n;
}

/** `current + delta`, checked. @throws StorageError INVALID_ARGUMENT (delta out of range) or INTEGER_OVERFLOW */
export function addInt64(current: bigint, delta: bigint): bigint {
  if (delta < INT64_MIN || delta > INT64_MAX) {
    throw new StorageError(StorageErrorCode.INVALID_ARGUMENT, `increment ${delta} is not a 64-bit signed integer`);
  }
  const sum = current + delta;
  if (sum < INT64_MIN || sum > INT64_MAX) throw integerOverflow();
  return sum;
}
