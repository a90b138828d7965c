import { describe, expect, it } from '@jest/globals';
import { FakeClock, settle } from '@merklekv/test-support';
import { StorageError } from '../errors.js';
import { makeRecord } from '../record.js';
import { WriteBehind } from './write-behind.js';
import type { WriteBatch } from './write-behind.js';

function recorder(windowMs: number, fail?: (b: WriteBatch) => boolean, timers?: FakeClock): { queue: WriteBehind; batches: WriteBatch[] } {
  const batches: WriteBatch[] = [];
  const queue = new WriteBehind({
    windowMs,
    engine: 'test',
    timers,
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
    const clock = new FakeClock();
    const { queue, batches } = recorder(10, undefined, clock);
    queue.put('k', makeRecord('v', 1, 'n'));
    await clock.advance(9);
    expect(batches).toHaveLength(0);
    await clock.advance(1);
    expect(batches).toHaveLength(1);
    expect(clock.pending).toBe(0);
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

  it('flush resolves with nothing pending, and keeps a failure (durability lost) as ENGINE_FAILED', async () => {
    const { queue } = recorder(1000, (b) => b.ops.has('bad'));
    await expect(queue.flush()).resolves.toBeUndefined();
    queue.put('bad', makeRecord('1', 1, 'n'));
    await expect(queue.flush()).rejects.toThrow(StorageError);
    queue.put('good', makeRecord('1', 1, 'n'));
    await expect(queue.flush()).rejects.toThrow(/test engine failed to write a batch of 1 changes: disk on fire/);
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
    await settle();
    expect(secondDone).toBe(false);
    release();
    await second;
  });
});
