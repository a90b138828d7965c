import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { IdleSweep, sweepPeriodMs, type ByteCounters } from './idle-sweep.js';

class FakeSocket implements ByteCounters {
  bytesRead = 0;
  bytesWritten = 0;
}

describe('IdleSweep', () => {
  it('reports a connection whose byte counters have not moved for the timeout, and only that one', () => {
    const sweep = new IdleSweep<FakeSocket>(1000);
    const quiet = new FakeSocket();
    const reading = new FakeSocket();
    const writing = new FakeSocket();
    for (const s of [quiet, reading, writing]) sweep.add(s, s, 0);
    for (let t = 250; t <= 1000; t += 250) {
      reading.bytesRead++;
      writing.bytesWritten += 10;
      expect(sweep.due(t, (s) => s)).toEqual(t < 1000 ? [] : [quiet]);
    }
    // Reported once; its clock starts again, as Node's socket timer re-arms.
    expect(sweep.due(1250, (s) => s)).toEqual([]);
    expect(sweep.due(2000, (s) => s)).toEqual([quiet, reading, writing]);
  });

  it('forgets removed connections and restarts every clock on a new timeout', () => {
    const sweep = new IdleSweep<FakeSocket>(1000);
    const a = new FakeSocket();
    const b = new FakeSocket();
    sweep.add(a, a, 0);
    sweep.add(b, b, 0);
    sweep.remove(a);
    expect(sweep.size).toBe(1);
    sweep.timeoutMs = 5000;
    sweep.restart(900);
    expect(sweep.due(5000, (s) => s)).toEqual([]);
    expect(sweep.due(5900, (s) => s)).toEqual([b]);
  });

  it('never reports a connection with activity within the timeout, and always reports one idle for timeout + two periods', () => {
    // Random activity times; sweeps every period as the server runs them.
    fc.assert(
      fc.property(fc.integer({ min: 40, max: 10_000 }), fc.array(fc.integer({ min: 0, max: 30_000 }), { maxLength: 30 }), (timeoutMs, activity) => {
        const period = sweepPeriodMs(timeoutMs);
        const sweep = new IdleSweep<FakeSocket>(timeoutMs);
        const s = new FakeSocket();
        sweep.add(s, s, 0);
        const times = [...new Set(activity)].sort((x, y) => x - y);
        let last = 0;
        let next = 0;
        for (let t = period; t <= 40_000; t += period) {
          while (next < times.length && (times[next] as number) <= t) {
            s.bytesRead++;
            last = times[next] as number;
            next++;
          }
          const reported = sweep.due(t, (c) => c).length > 0;
          if (reported) {
            expect(t - last).toBeGreaterThanOrEqual(timeoutMs);
            last = t; // its clock starts again
          } else {
            expect(t - last).toBeLessThan(timeoutMs + 2 * period);
          }
        }
      }),
    );
  });

  it('sweeps every quarter of the timeout, between 10 ms and 1 s', () => {
    expect([sweepPeriodMs(1), sweepPeriodMs(1000), sweepPeriodMs(30_000)]).toEqual([10, 250, 1000]);
  });
});
