import { BenchError } from './errors.js';
import { parseReplicationOptions, REPLICATION_PARTS } from './replication-options.js';

describe('parseReplicationOptions', () => {
  it('has the documented defaults', () => {
    const o = parseReplicationOptions([]);
    expect(o).toMatchObject({ rates: [1000, 10_000], seconds: 3, writes: 200_000, pacing: 'timer', runs: 1, nodes: 3, nodeArgs: [], nodeLogs: undefined, split: false });
    expect([...(o?.parts ?? [])]).toEqual([...REPLICATION_PARTS]);
  });

  it('reads every option, with or without =, and skips a forwarded --', () => {
    const o = parseReplicationOptions([
      '--', '--only', 'visible,latency', '--rates=500,2000', '--seconds', '1.5', '--writes', '1000', '--pacing', 'spin',
      '--runs', '5', '--nodes=2', '--node-arg=--trace-gc', '--node-arg=--max-semi-space-size=4', '--node-logs', '/tmp/logs', '--split',
    ]);
    expect(o).toMatchObject({ rates: [500, 2000], seconds: 1.5, writes: 1000, pacing: 'spin', runs: 5, nodes: 2, nodeArgs: ['--trace-gc', '--max-semi-space-size=4'], nodeLogs: '/tmp/logs', split: true });
    expect([...(o?.parts ?? [])]).toEqual(['visible', 'latency']);
  });

  it('returns undefined for --help', () => {
    expect(parseReplicationOptions(['--help'])).toBeUndefined();
    expect(parseReplicationOptions(['-h'])).toBeUndefined();
  });

  it('rejects bad values, naming the option', () => {
    expect(() => parseReplicationOptions(['--only', 'visible,bogus'])).toThrow(/unknown part 'bogus'/);
    expect(() => parseReplicationOptions(['--rates', '1000,x'])).toThrow(/--rates must be a positive number, got 'x'/);
    expect(() => parseReplicationOptions(['--runs', '0'])).toThrow(/--runs must be a positive integer, got '0'/);
    expect(() => parseReplicationOptions(['--runs', '1.5'])).toThrow(/--runs/);
    expect(() => parseReplicationOptions(['--nodes', '1'])).toThrow(/--nodes must be 2 or more/);
    expect(() => parseReplicationOptions(['--seconds', '-1'])).toThrow(/--seconds/);
    expect(() => parseReplicationOptions(['--pacing', 'busy'])).toThrow(/--pacing must be timer or spin/);
    expect(() => parseReplicationOptions(['--frobnicate'])).toThrow(BenchError);
    expect(() => parseReplicationOptions(['--frobnicate'])).toThrow(/Usage: bench replication/);
  });
});
