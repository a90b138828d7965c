/** CPU time of a process (and its descendants) from /proc. Linux only. */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { parseChildren, parseProcStat } from './proc-stat.js';

let ticksPerSecond: number | undefined;

/** `sysconf(_SC_CLK_TCK)` via `getconf CLK_TCK`; 100 when that fails. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      ticksPerSecond = Number.isInteger(n) && n > 0 ? n : 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
      try {
        return parseChildren(readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8'));
      } catch {
        return []; // the thread exited meanwhile
      }
    });
  } catch {
    return [];
  }
}

/**
 * utime+stime of `pid` plus those of its live descendants, in seconds.
 * Descendants count because a server may be launched through a wrapper
 * (npx, tsx) whose child is the real server.
 * @throws Error when `pid` does not exist
 */
export function processTreeCpuSeconds(pid: number): number {
  const seen = new Set<number>();
  const stack = [pid];
  let ticks = 0;
  while (stack.length > 0 && seen.size < 1000) {
    const p = stack.pop() as number;
    if (seen.has(p)) continue;
    seen.add(p);
    let text: string;
    try {
      text = readFileSync(`/proc/${p}/stat`, 'utf8');
    } catch (err) {
      if (p === pid) throw err;
      continue;
    }
    const st = parseProcStat(text);
    ticks += st.utimeTicks + st.stimeTicks;
    stack.push(...childrenOf(p));
  }
  return ticks / clockTicksPerSecond();
}
