/**
 * Tree paths on the wire: the child indexes from the root joined with `.`
 * (`3.15` is child 15 of child 3 of the root); `-` is the root itself.
 */
import type { TreePath } from './command.js';
import { ProtocolError } from './errors.js';
import { show } from './show.js';

/** The deepest path accepted (deeper than any useful tree shape). */
export const MAX_TREE_DEPTH = 32;
/** The largest child index accepted (fan-outs are far smaller). */
export const MAX_TREE_INDEX = 65535;

const PATH = /^(0|[1-9][0-9]{0,4})(\.(0|[1-9][0-9]{0,4}))*$/;

function invalid(text: string, what: string): ProtocolError {
  return new ProtocolError(
    'INVALID_ARGUMENT',
    `${what} must be '-' (the root) or child indexes 0..${MAX_TREE_INDEX} joined with '.' (e.g. 3.15, at most ${MAX_TREE_DEPTH} levels), got '${show(text)}'`,
  );
}

/**
 * Writes a tree path: `-` for the root, else `3.15`.
 * @throws ProtocolError `INVALID_ARGUMENT` for a negative, fractional or too large index, or a too deep path.
 */
export function formatTreePath(path: TreePath): string {
  if (path.length === 0) return '-';
  if (path.length > MAX_TREE_DEPTH || !path.every((i) => Number.isInteger(i) && i >= 0 && i <= MAX_TREE_INDEX)) {
    throw invalid(path.join('.'), 'Tree path');
  }
  return path.join('.');
}

/**
 * Reads a tree path written by {@link formatTreePath}.
 * @param what names the argument in the message, e.g. `TREE path`.
 * @throws ProtocolError `INVALID_ARGUMENT`.
 */
export function parseTreePath(text: string, what = 'Tree path'): TreePath {
  if (text === '-') return [];
  if (!PATH.test(text)) throw invalid(text, what);
  const path = text.split('.').map(Number);
  if (path.length > MAX_TREE_DEPTH || path.some((i) => i > MAX_TREE_INDEX)) throw invalid(text, what);
  return path;
}
