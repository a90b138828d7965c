import fc from 'fast-check';
import { BenchError } from './errors.js';
import { parseChildren, parseProcStat } from './proc-stat.js';

// A real line from this kernel's format (52 fields).
const line = (comm: string, utime: number, stime: number): string =>
  `4242 (${comm}) S 1 4242 4242 0 -1 4194560 2351 0 0 0 ${utime} ${stime} 0 0 20 0 7 0 123456 1234567890 12345 18446744073709551615 1 1 0 0 0 0 0 16781312 134235650 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n`;

describe('parseProcStat', () => {
  it('reads pid, comm, ppid and the CPU ticks', () => {
    expect(parseProcStat(line('redis-server', 153, 47))).toEqual({
      pid: 4242,
      comm: 'redis-server',
      state: 'S',
      ppid: 1,
      utimeTicks: 153,
      stimeTicks: 47,
    });
  });

  it('handles a command name with spaces and parentheses', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 15 }), fc.nat(), fc.nat(), (comm, u, s) => {
        const st = parseProcStat(line(comm.replace(/\n/g, ' '), u, s));
        expect([st.utimeTicks, st.stimeTicks, st.ppid]).toEqual([u, s, 1]);
      }),
    );
    expect(parseProcStat(line('a) (b c)', 5, 6)).comm).toBe('a) (b c)');
  });

  it('parses this process’s own stat file', async () => {
    const { readFileSync } = await import('node:fs');
    const st = parseProcStat(readFileSync('/proc/self/stat', 'utf8'));
    expect(st.pid).toBeGreaterThan(0);
    expect(st.utimeTicks + st.stimeTicks).toBeGreaterThanOrEqual(0);
  });

  it('rejects text that is not a stat line', () => {
    expect(() => parseProcStat('hello')).toThrow(BenchError);
    expect(() => parseProcStat('12 (x) S 1 2')).toThrow(/Not a \/proc stat line/);
  });
});

describe('parseChildren', () => {
  it('splits pids', () => {
    expect(parseChildren('12 34 \n')).toEqual([12, 34]);
    expect(parseChildren('')).toEqual([]);
  });
});
