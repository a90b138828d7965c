import { StorageError } from '../errors.js';

/** The StorageError `fn` throws (fails the test if it throws something else or nothing). */
export function caught(fn: () => unknown): StorageError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StorageError) return e;
    throw e;
  }
  throw new Error('expected a StorageError, but nothing was thrown');
}
