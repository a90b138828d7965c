import type { StorageEngine } from './engine.js';
import type { VersionedRecord } from './record.js';

/**
 * The engine that persists nothing: the store lives only in memory and starts empty.
 * SPEC.md's default (`[storage]` without a persistent engine).
 */
export class MemoryEngine implements StorageEngine {
  readonly name = 'memory';

  async open(): Promise<void> {}

  async *load(): AsyncIterable<readonly [string, VersionedRecord]> {}

  put(_key: string, _record: VersionedRecord): void {}

  remove(_key: string): void {}

  clear(): void {}

  async flush(): Promise<void> {}

  async close(): Promise<void> {}
}
