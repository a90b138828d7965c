import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { ExpirySweeper } from './expiry-sweeper.js';

/** A store stand-in with `due` keys waiting: each call expires at most maxKeys of them. */
function fakeStore(due: number) {
  const calls: number[] = [];
  const store = {
    due,
    sweepExpired(maxKeys: number) {
      calls.push(maxKeys);
      const expired = Math.min(maxKeys, store.due);
      store.due -= expired;
      return { expired, more: store.due > 0 };
    },
  };
  return { store, calls };
}

const until = async (probe: () => boolean): Promise<void> => {
  const end = Date.now() + 5000;
  while (!probe()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setImmediate(r));
  }
};

describe('ExpirySweeper', () => {
  it('works in bounded steps and gives the event loop back between them', async () => {
    const { store, calls } = fakeStore(95);
    const sweeper = new ExpirySweeper({ store, intervalMs: 60_000, logger: pino({ level: 'silent' }), stepKeys: 10 });
    sweeper.run();
    // One step ran synchronously; the rest wait for the event loop.
    expect(calls).toEqual([10]);
    await until(() => store.due === 0);
    expect(calls.every((n) => n === 10)).toBe(true);
    expect(calls.length).toBe(10);
    expect(sweeper.stats.sweeps).toBe(1);
    expect(sweeper.stats.maxStepMs).toBeGreaterThanOrEqual(0);
    // A run while one is going is not doubled; one with nothing due counts no sweep.
    sweeper.run();
    expect(sweeper.stats.sweeps).toBe(1);
    sweeper.stop();
  });

  it('logs and counts a failed run, and runs again later', () => {
    const logged: unknown[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    let fail = true;
    const store = {
      sweepExpired: () => {
        if (fail) throw new Error('disk on fire');
        return { expired: 1, more: false };
      },
    };
    const sweeper = new ExpirySweeper({ store, intervalMs: 60_000, logger });
    sweeper.run();
    expect(sweeper.stats.failures).toBe(1);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ msg: expect.stringMatching(/expiry sweep failed; it is retried/) });
    fail = false;
    sweeper.run();
    expect(sweeper.stats).toMatchObject({ sweeps: 1, failures: 1 });
    sweeper.stop();
  });
});
