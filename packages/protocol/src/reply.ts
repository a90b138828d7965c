/** Reply framing helpers for clients (docs/PROTOCOL.md "Framing"). */
import type { CommandType } from './command.js';

const MULTI_LINE: ReadonlySet<CommandType> = new Set<CommandType>(['INFO', 'STATS', 'MGET', 'SCAN', 'LEAF', 'GETV', 'TREES', 'ENTRIES', 'PTREES', 'PENTRIES', 'RECORDS', 'STAMPS']);

/**
 * True for the commands whose success reply spans several lines and ends with
 * a line `END` (or `END cursor`): INFO, STATS, MGET, SCAN, LEAF, GETV, TREES, ENTRIES, PTREES, PENTRIES, RECORDS, STAMPS. Their
 * error reply is still one `ERROR: ` line.
 */
export function isMultiLineReply(type: CommandType): boolean {
  return MULTI_LINE.has(type);
}

/** True if a reply line is an error: it starts with `ERROR: `. */
export function isErrorLine(line: string): boolean {
  return line.startsWith('ERROR: ');
}

/**
 * Reads the last line of a multi-line reply: `END` gives `{ cursor: undefined }`,
 * `END cursor` gives the cursor to resume from; any other line gives `undefined`
 * (it is a data line).
 */
export function parseEndLine(line: string): { cursor: string | undefined } | undefined {
  if (line === 'END') return { cursor: undefined };
  if (line.startsWith('END ') && line.length > 4) return { cursor: line.slice(4) };
  return undefined;
}
