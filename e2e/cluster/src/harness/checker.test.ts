import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { checkHistory } from './checker.js';
import type { FaultTimeline, Operation } from './history.js';

const noFaults: FaultTimeline = { kills: new Map(), impaired: new Map() };

function op(id: number, key: string, value: string | null, invokeMs: number, completeMs: number, extra: Partial<Operation> = {}): Operation {
  return { id, client: 'c1', node: 'node-1', kind: value === null ? 'del' : 'set', invokeMs, completeMs, outcome: 'ok', effects: [{ key, value }], ...extra };
}

const sequential = fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c'), value: fc.option(fc.string({ maxLength: 4 }), { nil: null }) }), { maxLength: 40 });

describe('checkHistory', () => {
  it('accepts the last write of a sequential history, key by key', () => {
    fc.assert(
      fc.property(sequential, (steps) => {
        const ops = steps.map((s, i) => op(i + 1, s.key, s.value, i * 100, i * 100 + 10));
        const final = new Map<string, string>();
        for (const s of steps) {
          if (s.value === null) final.delete(s.key);
          else final.set(s.key, s.value);
        }
        expect(checkHistory(ops, final, noFaults).violations).toEqual([]);
      }),
    );
  });

  it('reports a superseded value coming back, and a value nobody wrote', () => {
    const ops = [op(1, 'k', 'old', 0, 10), op(2, 'k', 'new', 100, 110)];
    expect(checkHistory(ops, new Map([['k', 'old']]), noFaults).violations.map((v) => v.key)).toEqual(['k']);
    expect(checkHistory(ops, new Map([['k', 'other']]), noFaults).violations).toHaveLength(1);
    expect(checkHistory(ops, new Map(), noFaults).violations).toHaveLength(1);
    expect(checkHistory(ops, new Map([['k', 'new']]), noFaults).violations).toEqual([]);
  });

  it('lets either of two concurrent writes win', () => {
    const ops = [op(1, 'k', 'x', 0, 50), op(2, 'k', 'y', 20, 60, { node: 'node-2' })];
    for (const v of ['x', 'y']) expect(checkHistory(ops, new Map([['k', v]]), noFaults).violations).toEqual([]);
  });

  it('lets a write acknowledged just before its node was killed be lost, but not an older one', () => {
    const ops = [op(1, 'k', 'safe', 0, 10, { node: 'node-2' }), op(2, 'k', 'risky', 10_000, 10_010)];
    const faults: FaultTimeline = { kills: new Map([['node-1', [10_500]]]), impaired: new Map() };
    const report = checkHistory(ops, new Map([['k', 'safe']]), faults);
    expect(report.violations).toEqual([]);
    expect(report.atRiskWrites).toBe(1);
    expect(checkHistory(ops, new Map([['k', 'safe']]), noFaults).violations).toHaveLength(1);
  });

  it('treats a lost reply as possibly applied until its node died', () => {
    const lost = op(1, 'k', 'maybe', 0, 5, { outcome: 'unknown', node: 'node-3' });
    const later = op(2, 'k', 'sure', 1000, 1010);
    expect(checkHistory([lost, later], new Map([['k', 'maybe']]), noFaults).violations).toEqual([]);
    const died: FaultTimeline = { kills: new Map([['node-3', [100]]]), impaired: new Map() };
    expect(checkHistory([lost, later], new Map([['k', 'maybe']]), died).violations).toHaveLength(1);
  });

  it('ignores failed operations', () => {
    const ops = [op(1, 'k', 'v', 0, 10), op(2, 'k', 'x', 100, 110, { outcome: 'failed' })];
    expect(checkHistory(ops, new Map([['k', 'x']]), noFaults).violations).toHaveLength(1);
  });
});
