/**
 * Parsing of Linux `/proc/<pid>/stat` (see proc(5)). The second field, the
 * command name, is wrapped in parentheses and may itself contain spaces and
 * parentheses, so the fields after it are located from the LAST `)`.
 */
import { BenchError, BenchErrorCode } from './errors.js';

/** The fields of `/proc/<pid>/stat` the bench uses. */
export interface ProcStat {
  readonly pid: number;
  readonly comm: string;
  readonly state: string;
  readonly ppid: number;
  /** User-mode CPU time, in clock ticks (field 14). */
  readonly utimeTicks: number;
  /** Kernel-mode CPU time, in clock ticks (field 15). */
  readonly stimeTicks: number;
}

/**
 * Parses the text of `/proc/<pid>/stat`.
 * @throws BenchError `BAD_PROC_STAT` when the text is not in that format
 */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open) {
    throw new BenchError(BenchErrorCode.BAD_PROC_STAT, `Not a /proc stat line: '${text.slice(0, 80)}'`);
  }
  const pid = Number(text.slice(0, open).trim());
  // Fields from 3 (state) on; index 0 here is field 3.
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const field = (n: number): string => rest[n - 3] ?? '';
  const ppid = Number(field(4));
  const utimeTicks = Number(field(14));
  const stimeTicks = Number(field(15));
  if (!Number.isInteger(pid) || !Number.isInteger(ppid) || !Number.isInteger(utimeTicks) || !Number.isInteger(stimeTicks) || field(15) === '') {
    throw new BenchError(BenchErrorCode.BAD_PROC_STAT, `Not a /proc stat line: '${text.slice(0, 80)}'`);
  }
  return { pid, comm: text.slice(open + 1, close), state: field(3), ppid, utimeTicks, stimeTicks };
}

/**
 * Parses `/proc/<pid>/task/<tid>/children`: space-separated child pids.
 */
export function parseChildren(text: string): number[] {
  return text
    .split(/\s+/)
    .filter((t) => t !== '')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
}
