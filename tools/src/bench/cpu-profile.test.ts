import { formatHotSpots, summarizeProfile, type CpuProfile } from './cpu-profile.js';

const frame = (functionName: string, lineNumber: number, url = 'file:///repo/src/a.js') => ({ functionName, url, lineNumber });

// (root) -> main -> parse -> parse (recursion), main -> write
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)', -1, ''), children: [2] },
    { id: 2, callFrame: frame('main', 0), children: [3, 5] },
    { id: 3, callFrame: frame('parse', 9), children: [4] },
    { id: 4, callFrame: frame('parse', 9) },
    { id: 5, callFrame: frame('write', 19, 'node:net') },
  ],
  samples: [3, 4, 4, 5, 2, 4],
  timeDeltas: [1000, 1000, 1000, 3000, 2000, 2000],
};

describe('summarizeProfile', () => {
  it('adds self time per function and total time once per stack', () => {
    const spots = summarizeProfile(profile, '/repo');
    const get = (w: string) => spots.find((s) => s.where === w);
    expect(get('src/a.js:10 parse')).toMatchObject({ selfMs: 5, totalMs: 5 });
    expect(get('node:net:20 write')).toMatchObject({ selfMs: 3, totalMs: 3 });
    expect(get('src/a.js:1 main')).toMatchObject({ selfMs: 2, totalMs: 10 });
    expect(get('(native):0 (root)')).toMatchObject({ selfMs: 0, totalMs: 10, totalPct: 100 });
    expect(spots[0]?.where).toBe('src/a.js:10 parse');
    expect(spots.reduce((n, s) => n + s.selfPct, 0)).toBeCloseTo(100, 10);
  });

  it('formats the top entries both ways', () => {
    const text = formatHotSpots(summarizeProfile(profile, '/repo'), 2);
    const lines = text.split('\n');
    expect(lines[1]).toContain('parse');
    expect(lines[1]).toMatch(/^\s+50\.0%\s+50\.0%/);
    expect(text).toContain('(by total time)');
  });
});
