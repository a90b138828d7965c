import { BenchError } from './errors.js';
import { mainThreadSchedstat, parseSchedstat, runMsBetween, waitMsBetween } from './schedstat.js';

describe('schedstat', () => {
  it('parses run time, run-queue wait and slices', () => {
    expect(parseSchedstat('147700053 117240967 456\n')).toEqual({ runNs: 147_700_053, waitNs: 117_240_967, slices: 456 });
    expect(() => parseSchedstat('1 2')).toThrow(BenchError);
    expect(() => parseSchedstat('1 -2 3')).toThrow(/Not a schedstat line/);
  });

  it('gives the wait and the CPU time between two readings in ms, NaN without one', () => {
    expect(waitMsBetween({ runNs: 0, waitNs: 1_000_000, slices: 1 }, { runNs: 5, waitNs: 3_500_000, slices: 2 })).toBe(2.5);
    expect(waitMsBetween(undefined, { runNs: 0, waitNs: 0, slices: 0 })).toBeNaN();
    expect(runMsBetween({ runNs: 2_000_000, waitNs: 0, slices: 1 }, { runNs: 9_000_000, waitNs: 0, slices: 3 })).toBe(7);
    expect(runMsBetween({ runNs: 0, waitNs: 0, slices: 0 }, undefined)).toBeNaN();
  });

  it("reads this process's main thread, and nothing for a process that does not exist", () => {
    const s = mainThreadSchedstat(process.pid);
    if (s !== undefined) expect(s.runNs).toBeGreaterThan(0); // Linux with schedstats
    expect(mainThreadSchedstat(2 ** 22 + 1)).toBeUndefined();
  });
});
