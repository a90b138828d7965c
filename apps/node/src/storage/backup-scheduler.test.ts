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
    scheduler.stop();
    const after = calls;
    await new Promise((r) => setTimeout(r, 60));
    expect(after).toBeGreaterThanOrEqual(3);
    expect(calls).toBe(after);
    expect(lines.some((l) => l.includes('"msg":"backup failed"') && l.includes('disk full'))).toBe(true);
    expect(lines.some((l) => l.includes('"msg":"backup written"') && l.includes('"/b/2"'))).toBe(true);
  });

  it('an interval of 0 schedules nothing', async () => {
    let calls = 0;
    const scheduler = startBackupScheduler({ intervalHours: 0, logger: logger([]), run: async () => (calls++, { path: '', bytes: 0, ms: 0, pruned: [] }) });
    await new Promise((r) => setTimeout(r, 30));
    scheduler.stop();
    expect(calls).toBe(0);
  });
});
