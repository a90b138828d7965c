import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import type { BackupResult } from '@merklekv/storage';
import { FakeClock } from '@merklekv/test-support';
import { startBackupScheduler } from './backup-scheduler.js';

function logger(lines: string[]) {
  return pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
}

const HOUR_MS = 3_600_000;

describe('startBackupScheduler', () => {
  it('runs a backup every interval and logs it; a failure is logged and the next one still runs; nothing after stop', async () => {
    const clock = new FakeClock();
    const lines: string[] = [];
    let calls = 0;
    const scheduler = startBackupScheduler({
      intervalHours: 1,
      timers: clock,
      logger: logger(lines),
      run: async (): Promise<BackupResult> => {
        calls++;
        if (calls === 1) throw new Error('disk full');
        return { path: `/b/${calls}`, bytes: 10, ms: 1, pruned: [] };
      },
    });
    await clock.advance(HOUR_MS - 1);
    expect(calls).toBe(0); // the first one after one interval
    await clock.advance(1);
    expect(calls).toBe(1);
    await clock.advance(HOUR_MS);
    await clock.advance(HOUR_MS);
    expect(calls).toBe(3);
    await scheduler.stop();
    expect(clock.pending).toBe(0);
    await clock.advance(10 * HOUR_MS);
    expect(calls).toBe(3);
    expect(lines.some((l) => l.includes('"msg":"backup failed"') && l.includes('disk full'))).toBe(true);
    expect(lines.some((l) => l.includes('"msg":"backup written"') && l.includes('"/b/2"'))).toBe(true);
  });

  it('never starts a backup while one runs, and stop() waits for the one in progress', async () => {
    const clock = new FakeClock();
    let active = 0;
    let maxActive = 0;
    let calls = 0;
    let finished = 0;
    let release: () => void = () => undefined;
    const scheduler = startBackupScheduler({
      intervalHours: 1,
      timers: clock,
      logger: logger([]),
      run: async (): Promise<BackupResult> => {
        calls++;
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise<void>((r) => (release = r)); // a backup far longer than the interval
        active--;
        finished++;
        return { path: `/b/${calls}`, bytes: 1, ms: 60, pruned: [] };
      },
    });
    await clock.advance(HOUR_MS);
    expect(calls).toBe(1);
    await clock.advance(5 * HOUR_MS); // five intervals pass while it runs: nothing else starts
    expect(calls).toBe(1);
    expect(active).toBe(1);
    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await clock.advance(0);
    expect(stopped).toBe(false); // stop waits for the backup in progress
    release();
    await stopping;
    expect(active).toBe(0);
    expect(finished).toBe(calls);
    expect(maxActive).toBe(1);
    await clock.advance(10 * HOUR_MS);
    expect(calls).toBe(1);
  });

  it('an interval of 0 schedules nothing', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const scheduler = startBackupScheduler({ intervalHours: 0, timers: clock, logger: logger([]), run: async () => (calls++, { path: '', bytes: 0, ms: 0, pruned: [] }) });
    expect(clock.pending).toBe(0);
    await clock.advance(1000 * HOUR_MS);
    await scheduler.stop();
    expect(calls).toBe(0);
  });
});
