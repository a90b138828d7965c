import { describe, expect, it } from '@jest/globals';
import { StorageError } from '../errors.js';
import { makeRecord } from '../record.js';
import { WriteBehind } from './write-behind.js';
import type { WriteBatch } from './write-behind.js';
import type { WriteStatusEvent } from '../write-status.js';

function recorder(windowMs: number, fail?: (b: WriteBatch) => boolean): { queue: WriteBehind; batches: WriteBatch[] } {
  const batches: WriteBatch[] = [];
  const queue = new WriteBehind({
    windowMs,
    engine: 'test',
    apply: async (b) => {
      batches.push(b);
      await new Promise((r) => setTimeout(r, 1));
      if (fail?.(b)) throw new Error('disk on fire');
    },
  });
  return { queue, batches };
}

describe('WriteBehind', () => {
  it('coalesces a window of writes to the last intent per key', async () => {
    const { queue, batches } = recorder(1000);
    for (let i = 0; i < 100; i++) queue.put('hot', makeRecord(`v${i}`, i, 'n'));
    queue.put('gone', makeRecord('x', 1, 'n'));
    queue.remove('gone');
    expect(queue.pending).toBe(2);
    await queue.flush();
    expect(batches).toHaveLength(1);
    expect(batches[0]?.ops.get('hot')?.value).toBe('v99');
    expect(batches[0]?.ops.get('gone')).toBeNull();
    expect(queue.pending).toBe(0);
  });

  it('hands a change over within the window without any flush', async () => {
    const { queue, batches } = recorder(10);
    const start = performance.now();
    queue.put('k', makeRecord('v', 1, 'n'));
    for (let i = 0; i < 200 && batches.length === 0; i++) await new Promise((r) => setTimeout(r, 2));
    expect(batches).toHaveLength(1);
    expect(performance.now() - start).toBeLessThan(500);
    await queue.close();
  });

  it('a clear drops what was pending before it and is flagged on the batch', async () => {
    const { queue, batches } = recorder(1000);
    queue.put('a', makeRecord('1', 1, 'n'));
    queue.clear();
    queue.put('b', makeRecord('2', 2, 'n'));
    await queue.flush();
    expect(batches[0]?.clear).toBe(true);
    expect([...(batches[0]?.ops.keys() ?? [])]).toEqual(['b']);
  });

  it('flush resolves with nothing pending; a failed batch rejects flush with UNAVAILABLE and is retried, not dropped', async () => {
    let down = true;
    const events: WriteStatusEvent[] = [];
    const applied = new Map<string, string | null>();
    const queue = new WriteBehind({
      windowMs: 1000,
      engine: 'test',
      retryInitialMs: 5,
      retryMaxMs: 20,
      onStatus: (e) => events.push(e),
      apply: async (b) => {
        await new Promise((r) => setTimeout(r, 1));
        if (down) throw new Error('disk on fire');
        for (const [k, r] of b.ops) applied.set(k, r === null ? null : r.value);
      },
    });
    await expect(queue.flush()).resolves.toBeUndefined();
    queue.put('a', makeRecord('1', 1, 'n'));
    await expect(queue.flush()).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'Storage unavailable (test: disk on fire)' });
    expect(queue.status()).toMatchObject({ failing: true, queued: 1, lastError: 'Storage unavailable (test: disk on fire)' });
    // While failing (between retries), flush refuses at once; writes keep queueing.
    queue.put('b', makeRecord('2', 2, 'n'));
    queue.put('a', makeRecord('3', 3, 'n'));
    await expect(queue.flush()).rejects.toThrow(StorageError);
    for (let i = 0; i < 200 && events.length < 3; i++) await new Promise((r) => setTimeout(r, 5));
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(events[0]).toMatchObject({ kind: 'failed', engine: 'test', attempt: 1 });
    expect(events.every((e) => e.kind === 'failed')).toBe(true);
    down = false;
    for (let i = 0; i < 200 && queue.status().failing; i++) await new Promise((r) => setTimeout(r, 5));
    expect(queue.status()).toMatchObject({ failing: false, queued: 0 });
    expect(events.at(-1)).toMatchObject({ kind: 'recovered', engine: 'test' });
    expect(queue.status().failures).toBe(events.length - 1);
    // Everything that waited reached the engine, the newest intent per key.
    expect(Object.fromEntries(applied)).toEqual({ a: '3', b: '2' });
    await expect(queue.flush()).resolves.toBeUndefined();
    await queue.close();
  });

  it('a failed batch goes back under newer writes: a newer intent wins, a newer clear supersedes it', async () => {
    const seen: WriteBatch[] = [];
    let fail = 1;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const queue = new WriteBehind({
      windowMs: 1000,
      engine: 't',
      retryInitialMs: 1,
      apply: async (b) => {
        seen.push(b);
        if (fail-- > 0) {
          await gate;
          throw new Error('nope');
        }
      },
    });
    queue.put('a', makeRecord('old', 1, 'n'));
    queue.put('b', makeRecord('kept', 1, 'n'));
    const first = queue.flush();
    queue.put('a', makeRecord('new', 2, 'n')); // written while the failing batch is with the engine
    release();
    await expect(first).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    for (let i = 0; i < 200 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 2));
    expect(seen[1]?.clear).toBe(false);
    expect([...(seen[1]?.ops ?? [])].map(([k, r]) => [k, r?.value])).toEqual([['a', 'new'], ['b', 'kept']]);
    await queue.close();
  });

  it('the backlog is bounded: past maxQueued, admit() refuses with UNAVAILABLE instead of dropping', async () => {
    const queue = new WriteBehind({ windowMs: 0, engine: 'redis', maxQueued: 3, retryInitialMs: 10_000, apply: () => Promise.reject(new Error('ECONNREFUSED')) });
    queue.put('a', makeRecord('1', 1, 'n'));
    await expect(queue.flush()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    queue.admit();
    queue.put('b', makeRecord('1', 1, 'n'));
    queue.put('c', makeRecord('1', 1, 'n'));
    expect(() => queue.admit()).toThrow('Storage unavailable (redis: ECONNREFUSED; 3 changes are waiting, the limit is 3)');
    expect(queue.status().queued).toBe(3);
    // A last attempt at close: it fails, says how many changes were not written, and stops the timers.
    await expect(queue.close()).rejects.toThrow('Storage unavailable (3 changes could not be written to the redis engine: ECONNREFUSED)');
  });

  it('close() makes a last attempt at once even while a retry backs off, and succeeds if the engine is back', async () => {
    let down = true;
    const queue = new WriteBehind({
      windowMs: 0,
      engine: 't',
      retryInitialMs: 60_000,
      apply: async () => {
        if (down) throw new Error('down');
      },
    });
    queue.put('a', makeRecord('1', 1, 'n'));
    await expect(queue.flush()).rejects.toThrow('down');
    down = false;
    await expect(queue.close()).resolves.toBeUndefined();
  });

  it('a flush does not wait for batches handed over after it was called', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    const queue = new WriteBehind({ windowMs: 1000, engine: 't', apply: () => (++calls === 2 ? gate : Promise.resolve()) });
    queue.put('a', makeRecord('1', 1, 'n'));
    const first = queue.flush();
    queue.put('b', makeRecord('1', 1, 'n'));
    const second = queue.flush();
    await expect(first).resolves.toBeUndefined();
    let secondDone = false;
    void second.then(() => (secondDone = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(secondDone).toBe(false);
    release();
    await second;
  });
});
