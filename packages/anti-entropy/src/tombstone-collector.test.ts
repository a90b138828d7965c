import { describe, expect, it } from '@jest/globals';
import { TombstoneCollector } from './tombstone-collector.js';
import { FakeClock } from '@merklekv/test-support';
import { BASE_TS, makeStore, version, thrownCode } from './__tests__/fixtures.js';

const DAY_TS = 86_400 * 1000 * 1024;

describe('TombstoneCollector', () => {
  it('drops tombstones older than the grace, every interval, and keeps younger ones and live keys', async () => {
    const store = makeStore('a');
    store.merge('old-delete', version('', BASE_TS, 'a', true));
    store.merge('young-delete', version('', BASE_TS + DAY_TS, 'a', true));
    store.merge('old-value', version('v', BASE_TS, 'a'));
    const timers = new FakeClock();
    let nowTs = BASE_TS + DAY_TS - 1;
    const collector = new TombstoneCollector({ store, intervalMs: 3_600_000, timers, nowTs: () => nowTs });
    collector.start();

    await timers.advance(3_600_000);
    expect(store.recordCount).toBe(3); // exactly at the grace: not yet

    nowTs = BASE_TS + DAY_TS + 10;
    await timers.advance(3_600_000);
    expect(store.getVersion('old-delete')).toBeUndefined();
    expect(store.getVersion('young-delete')?.deleted).toBe(true);
    expect(store.get('old-value')).toBe('v');
    expect(collector.stats()).toEqual({ runs: 2, collected: 1 });

    collector.stop();
    expect(timers.pending).toBe(0);
  });

  it('honours a custom grace', () => {
    const store = makeStore('a');
    store.merge('k', version('', BASE_TS, 'a', true));
    const collector = new TombstoneCollector({ store, intervalMs: 1000, graceSeconds: 10, nowTs: () => BASE_TS + 10_001 * 1024 });
    expect(collector.collectNow()).toBe(1);
  });

  it('rejects a bad interval or grace', () => {
    const store = makeStore('a');
    expect(thrownCode(() => new TombstoneCollector({ store, intervalMs: 0 }))).toBe('INVALID_OPTION');
    expect(thrownCode(() => new TombstoneCollector({ store, intervalMs: 1, graceSeconds: -1 }))).toBe('INVALID_OPTION');
  });
});
