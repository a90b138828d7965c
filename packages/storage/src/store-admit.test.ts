import { describe, expect, it } from '@jest/globals';
import { StorageError, StorageErrorCode } from './errors.js';
import { MemoryEngine } from './memory-engine.js';
import { makeRecord } from './record.js';
import { Store } from './store.js';

/** An engine whose write queue is full: it refuses every write until `open` is set. */
class FullEngine extends MemoryEngine {
  full = true;
  admit(): void {
    if (this.full) throw new StorageError(StorageErrorCode.UNAVAILABLE, 'Storage unavailable (test: 3 changes are waiting, the limit is 3)');
  }
}

describe('Store asks the engine to admit every write first', () => {
  it('refuses local writes and merges with UNAVAILABLE while the engine is full, changing nothing', async () => {
    const engine = new FullEngine();
    const store = new Store({ nodeId: 'n1', engine });
    await store.load();
    const root = store.tree.rootHex();
    const refused = { code: 'UNAVAILABLE', message: 'Storage unavailable (test: 3 changes are waiting, the limit is 3)' };
    expect(() => store.set('a', '1')).toThrow(expect.objectContaining(refused));
    expect(() => store.mset([['b', '2']])).toThrow(expect.objectContaining(refused));
    expect(() => store.append('c', 'x')).toThrow(expect.objectContaining(refused));
    expect(() => store.incrBy('n', 1n)).toThrow(expect.objectContaining(refused));
    expect(() => store.merge('r', makeRecord('v', 5, 'n2'))).toThrow(expect.objectContaining(refused));
    expect(store.recordCount).toBe(0);
    expect(store.tree.rootHex()).toBe(root);
    engine.full = false;
    store.set('a', '1');
    expect(store.merge('r', makeRecord('v', 5, 'n2'))).toBe('applied');
    engine.full = true;
    expect(() => store.delete('a')).toThrow(expect.objectContaining(refused));
    expect(() => store.flush()).toThrow(expect.objectContaining(refused));
    expect(store.get('a')).toBe('1');
    // A stale merge changes nothing, so it is answered without asking.
    expect(store.merge('r', makeRecord('v', 5, 'n2'))).toBe('stale');
  });
});
