import fc from 'fast-check';
import { brokerMicrosPerEvent, expectedEgress, formatFanoutTable } from './fanout-model.js';

describe('the fan-out capacity model', () => {
  it('delivers each write to the N−1 other nodes', () => {
    expect(expectedEgress(1000, 3)).toBe(2000);
    expect(expectedEgress(1000, 9)).toBe(8000);
    expect(expectedEgress(1000, 1)).toBe(0);
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 1000 }), (w, n) => expectedEgress(w, n + 1) - expectedEgress(w, n) === w));
  });

  it('prints one row per cluster size with CPU per delivered event', () => {
    const row = { nodes: 3, writesPerSec: 1000, deliveredEventsPerSec: 2000, messagesOutPerSec: 2500, brokerCpuPercent: 10, nodesCpuPercent: 40 };
    expect(brokerMicrosPerEvent(row)).toBeCloseTo(50);
    expect(brokerMicrosPerEvent({ ...row, deliveredEventsPerSec: 0 })).toBeUndefined();
    const table = formatFanoutTable([row]).split('\n');
    expect(table).toHaveLength(3);
    expect(table[2]).toBe('| 3 | 1000 | 2000 | 2000 | 2500 | 10.0 | 50.00 | 40.0 |');
  });
});
