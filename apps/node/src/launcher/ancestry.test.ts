import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ancestry, brokenLink, parseProcStat, parsePsTable } from './ancestry.js';

/** A random process tree: every pid > 1 has a parent with a smaller pid (1 is init). */
const tree = fc.integer({ min: 2, max: 40 }).chain((size) =>
  fc.array(fc.nat(), { minLength: size, maxLength: size }).map((choices) => {
    const table = new Map<number, number>();
    for (let pid = 2; pid <= size; pid++) table.set(pid, 1 + ((choices[pid - 1] ?? 0) % (pid - 1)));
    return table;
  }),
);

describe('ancestry', () => {
  it('follows the parents up to pid 1', () => {
    const table = new Map([[50, 40], [40, 30], [30, 1]]);
    expect(ancestry(table, 50)).toEqual([{ pid: 50, ppid: 40 }, { pid: 40, ppid: 30 }, { pid: 30, ppid: 1 }]);
  });

  it('an unchanged table breaks no link; any ancestor exiting (its child re-parented to 1) breaks one', () => {
    fc.assert(
      fc.property(tree, fc.nat(), fc.nat(), (table, a, b) => {
        const pids = [...table.keys()];
        const leaf = pids[a % pids.length] as number;
        const chain = ancestry(table, leaf);
        expect(brokenLink(chain, table)).toBeUndefined();
        if (chain.length < 2) return;
        // An ancestor (not the leaf itself) exits: it leaves the table and its children move under pid 1.
        const gone = (chain[1 + (b % (chain.length - 1))] as { pid: number }).pid;
        const after = new Map(table);
        after.delete(gone);
        for (const [pid, ppid] of after) if (ppid === gone) after.set(pid, 1);
        expect(brokenLink(chain, after)).toBeDefined();
      }),
    );
  });

  it('parses /proc/<pid>/stat even with spaces and parentheses in the command name', () => {
    expect(parseProcStat('4837 (sh) S 1 4821 4821 0 -1')).toEqual({ pid: 4837, ppid: 1 });
    expect(parseProcStat('77 (a) b (c)) R 12 77 77')).toEqual({ pid: 77, ppid: 12 });
    expect(parseProcStat('garbage')).toBeUndefined();
  });

  it('parses ps output', () => {
    expect([...parsePsTable('  1     0\n 42     1\n\n')]).toEqual([[1, 0], [42, 1]]);
  });
});
