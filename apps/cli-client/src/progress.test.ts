import { describe, expect, it } from '@jest/globals';
import { ProgressBar, renderProgress } from './progress.js';

function sink(): { isTTY: true; frames: string[]; write(text: string): void } {
  const frames: string[] = [];
  return { isTTY: true, frames, write: (text: string) => void frames.push(text) };
}

describe('import progress', () => {
  it('draws no first frame from the first key alone (its rate would be made up)', () => {
    const out = sink();
    const bar = new ProgressBar(out);
    bar.update(1, 0.1);
    bar.update(2, 0.1);
    expect(out.frames).toEqual([]);
  });

  it('draws once some time has passed, with the rate over that time', async () => {
    const out = sink();
    const bar = new ProgressBar(out);
    await new Promise((r) => setTimeout(r, 600));
    bar.update(600, 0.5);
    expect(out.frames).toHaveLength(1);
    const rate = Number(/([\d,]+) keys\/s/.exec(out.frames[0] ?? '')?.[1]?.replace(/,/g, ''));
    expect(rate).toBeGreaterThan(0);
    expect(rate).toBeLessThanOrEqual(1000);
  });

  it('renders share, keys, rate and ETA', () => {
    expect(renderProgress(500, 1000, 0.5, 10)).toBe('[#####.....]  50%  500 keys  500 keys/s  ETA 1s');
  });
});
