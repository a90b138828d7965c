import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import type { BackupResult } from '@merklekv/storage';
import { startBackupScheduler } from './backup-scheduler.js';

function logger(lines: string[]) {
  return pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
}

describe('startBackupScheduler', () => {
  it('runs a backup every interval and logs it; a failure is logged and the next one still runs', async () => {
    const lines: string[] = [];
    let calls = 0;
    const scheduler = startBackupScheduler({
      intervalHours: 20 / 3_600_000, // 20 ms
      logger: logger(lines),
      run: async (): Promise<BackupResult> => {
        calls++;
        if (calls === 1) throw new Error('disk full');
        return { path: `/b/${calls}`, bytes: 10, ms: 1, pruned: [] };
      },
    });
    for (let i = 0; i < 200 && calls < 3; i++) await new Promise((r) => setTimeout(r, 10));
    await scheduler.stop();
    const after = calls;
    await new Promise((r) => setTimeout(r, 60));
    expect(after).toBeGreaterThanOrEqual(3);
    expect(calls).toBe(after);
    expect(lines.some((l) => l.includes('"msg":"backup failed"') && l.includes('disk full'))).toBe(true);
    expect(lines.some((l) => l.includes('"msg":"backup written"') && l.includes('"/b/2"'))).toBe(true);
  });

  it('never starts a backup while one runs, and stop() waits for the one in progress', async () => {
    let active = 0;
    let maxActive = 0;
    let calls = 0;
    let finished = 0;
    const scheduler = startBackupScheduler({
      intervalHours: 5 / 3_600_000, // 5 ms, far shorter than one backup
      logger: logger([]),
      run: async (): Promise<BackupResult> => {
        calls++;
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setTimeout(r, 60));
        active--;
        finished++;
        return { path: `/b/${calls}`, bytes: 1, ms: 60, pruned: [] };
      },
    });
    for (let i = 0; i < 400 && calls < 3; i++) await new Promise((r) => setTimeout(r, 5));
    expect(calls).toBeGreaterThanOrEqual(3);
    // Stop while a backup is (very likely) running: stop resolves only after it finished.
    for (let i = 0; i < 400 && active === 0; i++) await new Promise((r) => setTimeout(r, 1));
    expect(active).toBe(1);
    await scheduler.stop();
    expect(active).toBe(0);
    expect(finished).toBe(calls);
    expect(maxActive).toBe(1);
    const after = calls;
    await new Promise((r) => setTimeout(r, 40));
    expect(calls).toBe(after);
  });

  it('an interval of 0 schedules nothing', async () => {
    let calls = 0;
    const scheduler = startBackupScheduler({ intervalHours: 0, logger: logger([]), run: async () => (calls++, { path: '', bytes: 0, ms: 0, pruned: [] }) });
    await new Promise((r) => setTimeout(r, 30));
    await scheduler.stop();
    expect(calls).toBe(0);
  });
});
