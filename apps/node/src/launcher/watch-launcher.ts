import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ancestry, brokenLink, parseProcStat, parsePsTable, type AncestorLink, type ProcessTable } from './ancestry.js';

const hasProc = ((): boolean => {
  try {
    readFileSync('/proc/self/stat', 'utf8');
    return true;
  } catch {
    return false;
  }
})();

/** Reads the parent pid of each of `pids` (Linux /proc; `ps` elsewhere); gone processes are left out. */
function readTable(pids: readonly number[]): ProcessTable {
  if (!hasProc) return parsePsTable(execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' }));
  const table = new Map<number, number>();
  for (const pid of pids) {
    try {
      const parsed = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      if (parsed) table.set(parsed.pid, parsed.ppid);
    } catch {
      // the process is gone
    }
  }
  return table;
}

/** Reads the whole chain of ancestors of `pid` (one process at a time, following the parents). */
function readAncestry(pid: number): AncestorLink[] {
  const table = new Map<number, number>();
  let current = pid;
  for (let hops = 0; current > 1 && hops < 64; hops++) {
    const ppid = readTable([current]).get(current);
    if (ppid === undefined) break;
    table.set(current, ppid);
    current = ppid;
  }
  return ancestry(table, pid);
}

/**
 * Calls `onGone` once when any process above this one (parent, grandparent,
 * ... up to pid 1) exits. `nx serve` runs the node in a session of its own,
 * and a signal to `npx nx serve` ends npm and the shell above Nx but not Nx
 * nor the node: without this the node would keep serving, orphaned.
 * Returns a function that stops watching.
 */
export function watchLauncher(onGone: (detail: string) => void, intervalMs = 500): () => void {
  const recorded = readAncestry(process.pid);
  const timer = setInterval(() => {
    const broken = brokenLink(recorded, readTable(recorded.map((link) => link.pid)));
    if (broken === undefined) return;
    clearInterval(timer);
    onGone(`process ${broken.pid} above the node has exited`);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
