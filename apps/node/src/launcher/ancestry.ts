/**
 * Pure logic of "stop when the launcher goes away": a process table is a map
 * pid → parent pid; an ancestry is the chain of (pid, parent) links from a
 * process up to pid 1. A link breaks when its process is gone or has been
 * re-parented (its parent died), which is what happens to `nx` when a signal
 * ends the `npx` above it.
 */

/** pid → parent pid of every process that could be read. */
export type ProcessTable = ReadonlyMap<number, number>;

/** One link of an ancestry: `pid` had parent `ppid` when the chain was taken. */
export interface AncestorLink {
  readonly pid: number;
  readonly ppid: number;
}

/** The links from `pid` up to (not including) pid 1 or the first process missing from `table`. */
export function ancestry(table: ProcessTable, pid: number): AncestorLink[] {
  const links: AncestorLink[] = [];
  const seen = new Set<number>();
  let current = pid;
  while (current > 1 && !seen.has(current)) {
    seen.add(current);
    const ppid = table.get(current);
    if (ppid === undefined) break;
    links.push({ pid: current, ppid });
    current = ppid;
  }
  return links;
}

/** The first link of `recorded` that `table` no longer holds (process gone or re-parented), if any. */
export function brokenLink(recorded: readonly AncestorLink[], table: ProcessTable): AncestorLink | undefined {
  return recorded.find((link) => table.get(link.pid) !== link.ppid);
}

/** Parses the parent pid out of a Linux `/proc/<pid>/stat` line (the command name may hold spaces and parentheses). */
export function parseProcStat(stat: string): { pid: number; ppid: number } | undefined {
  const close = stat.lastIndexOf(')');
  const pid = Number.parseInt(stat, 10);
  if (close < 0 || !Number.isInteger(pid)) return undefined;
  const fields = stat.slice(close + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? { pid, ppid } : undefined;
}

/** Parses `ps -A -o pid=,ppid=` output. */
export function parsePsTable(text: string): Map<number, number> {
  const table = new Map<number, number>();
  for (const line of text.split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (Number.isInteger(pid) && Number.isInteger(ppid)) table.set(pid as number, ppid as number);
  }
  return table;
}
